"""The exception handler turns every kind of error into the one shape."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions

from apps.api.errors import error_list, exception_handler
from aquamind.errors import DomainError


def handled(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data["errors"]


def test_nested_drf_errors_are_flattened_to_dotted_fields():
    detail = exceptions.ValidationError(
        {
            "days": [{}, {"temp_c": ["Too hot."]}],
            "non_field_errors": ["Both dates are wrong."],
            "ids": {"2": ["Bad id."]},
        }
    ).detail
    assert error_list(detail) == [
        {"field": "days.1.temp_c", "code": "invalid", "detail": "Too hot."},
        {"field": None, "code": "invalid", "detail": "Both dates are wrong."},
        {"field": "ids.2", "code": "invalid", "detail": "Bad id."},
    ]


def test_a_django_validation_error_from_a_domain_validator_names_its_field():
    assert handled(DjangoValidationError({"container": "Taken."})) == (
        400,
        [{"field": "container", "code": "invalid", "detail": "Taken."}],
    )


def test_a_domain_error_keeps_its_code_and_field():
    error = DomainError("No scenario.", code="no_scenario", field="pinned_scenario")
    assert handled(error) == (400, [{"field": "pinned_scenario", "code": "no_scenario", "detail": "No scenario."}])


@pytest.mark.parametrize(
    "message, field",
    [
        (
            'new row for relation "batch_growthsample" violates check constraint "sample_weight_in_range"',
            "avg_weight_g",
        ),
        ("CHECK constraint failed: assignment_departure_after_start", "departure_date"),
        ("transfer_same_batch: source and destination assignments belong to different batches", "dest_assignment"),
        (
            'duplicate key value violates unique constraint "infrastructure_site_name_key"\nDETAIL:  Key (name)=(A) already exists.',
            "name",
        ),
        ("UNIQUE constraint failed: infrastructure_site.name", "name"),
        ("something else entirely", None),
    ],
)
def test_an_integrity_error_is_a_400_naming_the_constrained_field(message, field):
    status, [error] = handled(IntegrityError(message))
    assert (status, error["field"], error["code"]) == (400, field, "constraint")


def test_not_found_and_unknown_exceptions():
    assert handled(Http404())[0] == 404
    assert exception_handler(RuntimeError("bug"), {}) is None  # a real bug stays a 500 and is logged
