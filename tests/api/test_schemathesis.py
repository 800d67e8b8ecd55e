"""Schemathesis against the API's own schema, in process (WSGI), with every check for every role.

Each generated request, valid or not, is sent once per role (viewer, operator, manager, admin, each with a
token) and its response checked by all of schemathesis's checks: no 5xx, status codes and content types the
schema documents, bodies and headers that conform to it, schema-violating requests refused (ST201) and
schema-valid requests accepted (ST202). Every 400's codes must be among those its operation declares (the
``code`` enum of its 400 response, checked with the body by the response conformance check). The one allowance
of ST202: a schema-valid request may be refused with a 400 whose every error code is a rule on the stored data
or on today's date, which no schema can state (an id that does not exist, a date in the future or outside the
assignment's days, more fish than the source holds, a page past the last one: ``DATA_RULE_CODES`` of
apps/api/error_codes.py). A 400 for a type, range, length, format or choice the schema states is a failure. Generated integer ids are pointed at a stored row of the resource, so
updates and deletes reach the validation and the database.

``API_FUZZ_EXAMPLES`` sets the examples per operation (default 10: about a minute; docs/api.md has the
figures of a longer run).
"""

import datetime as dt
import os
from collections import Counter

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from apps.api.error_codes import DATA_RULE_CODES
from apps.api.urls import router
from apps.batch.models import Batch, GrowthSampleCast
from apps.farmio.models import ImportJob
from apps.inventory.models import Feed
from apps.planning.models import ActivityTemplate, PlannedActivity
from apps.recompute.run import batch_recompute
from apps.scenario.models import FCRModel
from tests.api.conftest import FIGURES, day
from tests.factories import FeedingEventFactory, GrowthSampleFactory, MortalityEventFactory, TreatmentFactory, reading

EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
# API_FUZZ_COVERAGE=1 adds the coverage phase (boundary values of every parameter; not bounded by max_examples)
COVERAGE = os.environ.get("API_FUZZ_COVERAGE", "") == "1"
ROLES = ("viewer", "operator", "manager", "admin")
# Valid and invalid data, fixed seed. No NUL characters: PostgreSQL text cannot hold them and the API refuses
# them (code null_characters_not_allowed), which the schema does not spell out for every string.
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": int(os.environ.get("API_FUZZ_SEED", "20261201")),
        "generation": {"mode": "all", "allow-x00": False},
        "phases": {"coverage": {"enabled": COVERAGE}},
    }
)
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
schema.app = get_wsgi_application()
MODELS = {  # the day's entries (POST only) have no model of their own
    f"/api/v1/{prefix}/": viewset.queryset.model
    for prefix, viewset, _ in router.registry
    if viewset.queryset is not None
}
MODELS["/api/v1/imports/"] = ImportJob  # the import jobs (not a router resource)

DRF_REQUIRED = "This field is required."


def positive_data_acceptance_except_data_rules(ctx, response, case):
    """ST202, except for a 400 whose every error is a rule on stored data (``DATA_RULE_CODES``)."""
    if response.status_code == 400 and all(_is_data_rule(error) for error in _errors(response)):
        return None
    return positive_data_acceptance(ctx, response, case)


def _is_data_rule(error: dict) -> bool:
    # "required" by a rule across fields (a treatment with weighing needs its weights), not a missing field
    return error.get("code") in DATA_RULE_CODES or (
        error.get("code") == "required" and error.get("detail") != DRF_REQUIRED
    )


def _errors(response) -> list[dict]:
    try:
        return response.json()["errors"] or [{}]
    except (ValueError, KeyError, TypeError):
        return [{}]


STATUSES: Counter = Counter()  # responses by status code, over the module (printed at its end)


@pytest.fixture(scope="module", autouse=True)
def report_the_figures(request):
    """Hands the figures to ``pytest_terminal_summary`` (tests/api/conftest.py), which prints them."""
    yield
    if STATUSES:
        figures = ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES.items()))
        fives = sum(n for code, n in STATUSES.items() if code >= 500)
        request.config.stash[FIGURES] = f"schemathesis: {sum(STATUSES.values())} requests ({figures}); 5xx: {fives}"


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """Like Django's test client: the WSGI handler must not close the connection holding the test transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def stored_rows(farm):
    """At least one row of every resource."""
    sample = GrowthSampleFactory(assignment=farm.source, sample_date=day(10))
    GrowthSampleCast.objects.create(sample=sample, fish_weighed=30, avg_weight_g=sample.avg_weight_g)
    MortalityEventFactory(assignment=farm.source, event_date=day(11))
    FeedingEventFactory(assignment=farm.source, feeding_date=day(12), feed=Feed.objects.create(name="Pellet 3 mm"))
    TreatmentFactory(assignment=farm.source, treatment_date=day(13))
    reading(farm.source.container, dt.datetime(2024, 1, 5, 8, tzinfo=dt.UTC), 7.9)
    FCRModel.objects.create(name="FCR 1.1")
    PlannedActivity.objects.create(activity_type="SAMPLING", batch=farm.batch, assignment=farm.dest, due_date=day(40))
    ActivityTemplate.objects.create(
        name="weigh at 500 g", activity_type="SAMPLING", trigger="WEIGHT_THRESHOLD", weight_g=500
    )
    batch_recompute(batch_id=farm.batch.pk, today=dt.date(2024, 3, 1))


@pytest.fixture
def tokens(django_user_model, stored_rows) -> dict[str, str]:
    """A token per role."""
    keys = {}
    for role in ROLES:
        user = django_user_model.objects.create_user(f"fuzzer-{role}")
        user.groups.add(Group.objects.get(name=role))
        keys[role] = Token.objects.create(user=user).key
    return keys


def point_at_a_stored_row(case) -> None:
    if case.path == "/api/v1/history/{kind}/{id}/" and isinstance(case.path_parameters.get("id"), int):
        case.path_parameters["kind"] = "batch.batch"  # a record's history: a stored batch's, half the time
        model = None if case.path_parameters["id"] % 2 else Batch
    elif isinstance((case.path_parameters or {}).get("id"), int):
        model = next(m for prefix, m in MODELS.items() if case.path.startswith(prefix))
    else:
        return
    if model is not None:
        stored = model.objects.order_by("pk").values_list("pk", flat=True).first()
        if stored is not None:
            case.path_parameters["id"] = stored


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_every_check_passes_for_every_role(case, tokens):
    point_at_a_stored_row(case)
    for role in ROLES:
        response = case.call_and_validate(
            # identity: the in-process WSGI transport does not undo GZipMiddleware's compression (an HTTP client
            # does); compression itself is tested with the growth data (tests/web)
            headers={"Authorization": f"Token {tokens[role]}", "Accept-Encoding": "identity"},
            excluded_checks=[positive_data_acceptance],
            additional_checks=[positive_data_acceptance_except_data_rules],
        )
        STATUSES[response.status_code] += 1
