"""Bad input gets 400 naming the field and the reason, and nothing is saved."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.batch.models import (
    ActualDailyAssignmentState,
    BatchContainerAssignment,
    GrowthSample,
    MortalityEvent,
    RecomputeMarker,
    TransferAction,
)
from apps.environmental.models import EnvironmentalReading
from apps.health.models import Treatment
from apps.inventory.models import FeedingEvent
from apps.scenario.models import Scenario
from tests.api.conftest import day, errors_by_field
from tests.factories import (
    AssignmentFactory,
    BatchFactory,
    ContainerFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    stage,
    temperature_parameter,
)

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def assert_refused(response, expected: dict, model) -> None:
    assert response.status_code == 400, response.content
    assert errors_by_field(response) == expected
    assert not model.objects.exists() if model is not TransferAction else TransferAction.objects.count() == 1
    assert not RecomputeMarker.objects.exists()


def sample(farm, **changes) -> dict:
    return {
        "assignment": farm.source.pk,
        "sample_date": "2024-01-14",
        "sample_size": 30,
        "avg_weight_g": "125.00",
        **changes,
    }


@pytest.mark.parametrize(
    "changes, field, code",
    [
        ({"avg_weight_g": "0"}, "avg_weight_g", "min_value"),
        ({"avg_weight_g": "-3.5"}, "avg_weight_g", "min_value"),
        ({"avg_weight_g": "50000.01"}, "avg_weight_g", "max_value"),
        ({"sample_size": 0}, "sample_size", "min_value"),
        ({"sample_date": TOMORROW}, "sample_date", "future_date"),
        ({"sample_date": "2023-12-31"}, "sample_date", "invalid"),  # before the assignment's first day
        ({"sample_date": "2024-01-30"}, "sample_date", "invalid"),  # the source departed on day 30
        ({"assignment": 999_999}, "assignment", "does_not_exist"),
        ({"assignment": "one"}, "assignment", "incorrect_type"),
        ({"sample_date": "14/01/2024"}, "sample_date", "invalid"),
    ],
)
def test_a_bad_growth_sample_is_refused(operator, farm, changes, field, code):
    response = operator.post(f"{V1}/batch/growth-samples/", sample(farm, **changes))
    assert_refused(response, {field: code}, GrowthSample)


def test_the_reason_is_a_sentence_for_people(operator, farm):
    response = operator.post(f"{V1}/batch/growth-samples/", sample(farm, sample_date="2024-01-30"))
    [error] = response.json()["errors"]
    assert error["detail"] == "2024-01-30 is outside the assignment's days (2024-01-01 before 2024-01-30)."


def test_several_bad_fields_are_all_named(operator, farm):
    response = operator.post(f"{V1}/batch/growth-samples/", sample(farm, avg_weight_g="0", sample_size=-1))
    assert_refused(response, {"avg_weight_g": "min_value", "sample_size": "min_value"}, GrowthSample)


def test_a_partial_update_is_checked_against_the_stored_row(operator, farm):
    created = operator.post(f"{V1}/batch/growth-samples/", sample(farm)).json()
    response = operator.patch(f"{V1}/batch/growth-samples/{created['id']}/", {"sample_date": "2024-02-15"})
    assert response.status_code == 400 and errors_by_field(response) == {"sample_date": "invalid"}
    assert GrowthSample.objects.get().sample_date == day(14)


@pytest.mark.parametrize(
    "url, body, field, model",
    [
        ("batch/mortality-events/", {"event_date": "2024-03-01", "count": 5}, "event_date", MortalityEvent),
        ("batch/mortality-events/", {"event_date": "2024-01-05", "count": 0}, "count", MortalityEvent),
        (
            "inventory/feeding-events/",
            {"feeding_date": "2023-12-01", "amount_kg": "5.000"},
            "feeding_date",
            FeedingEvent,
        ),
        ("inventory/feeding-events/", {"feeding_date": "2024-01-05", "amount_kg": "0"}, "amount_kg", FeedingEvent),
        (
            "health/treatments/",
            {"treatment_date": TOMORROW, "treatment_type": "MEDICATION"},
            "treatment_date",
            Treatment,
        ),
        (
            "health/treatments/",
            {
                "treatment_date": "2024-01-05",
                "treatment_type": "VACCINATION",
                "includes_weighing": True,
                "weighed_avg_weight_g": "120.00",
            },
            "weighed_count",
            Treatment,
        ),
        (
            "health/treatments/",
            {
                "treatment_date": "2024-01-05",
                "treatment_type": "VACCINATION",
                "includes_weighing": True,
                "weighed_count": 10,
                "weighed_avg_weight_g": "60000",
            },
            "weighed_avg_weight_g",
            Treatment,
        ),
    ],
)
def test_bad_events_are_refused(operator, farm, url, body, field, model):
    response = operator.post(f"{V1}/{url}", {"assignment": farm.source.pk, **body})
    assert response.status_code == 400 and set(errors_by_field(response)) == {field}
    assert not model.objects.exists() and not RecomputeMarker.objects.exists()


def test_a_reading_in_the_future_or_not_a_number_is_refused(operator, farm):
    base = {"container": farm.source.container_id, "parameter": temperature_parameter().pk}
    future = operator.post(
        f"{V1}/environmental/readings/", {**base, "reading_time": f"{TOMORROW}T12:00:00Z", "value": 8.1}
    )
    not_a_number = operator.post(
        f"{V1}/environmental/readings/", {**base, "reading_time": "2024-01-05T12:00:00Z", "value": "nan"}
    )
    assert errors_by_field(future) == {"reading_time": "future_date"}
    assert errors_by_field(not_a_number) == {"value": "not_finite"}
    assert not EnvironmentalReading.objects.exists()


def assignment_body(farm, **changes) -> dict:
    return {
        "batch": farm.batch.pk,
        "container": ContainerFactory().pk,
        "lifecycle_stage": stage("Smolt").pk,
        "assignment_date": "2024-02-01",
        **changes,
    }


@pytest.mark.parametrize(
    "changes, field, code",
    [
        ({"departure_date": "2024-02-01"}, "departure_date", "end_before_start"),
        ({"departure_date": "2024-01-15"}, "departure_date", "end_before_start"),
        ({"assignment_date": TOMORROW}, "assignment_date", "future_date"),
        ({"placement_count": 0}, "placement_count", "min_value"),
        ({"placement_avg_weight_g": "0.00"}, "placement_avg_weight_g", "min_value"),
        ({"assignment_date": "2023-06-01"}, "assignment_date", "before_batch_start"),
        ({"container": 999_999}, "container", "does_not_exist"),
    ],
)
def test_a_bad_assignment_is_refused(manager, farm, changes, field, code):
    response = manager.post(f"{V1}/batch/assignments/", assignment_body(farm, **changes))
    assert response.status_code == 400 and errors_by_field(response) == {field: code}
    assert BatchContainerAssignment.objects.count() == 2 and not RecomputeMarker.objects.exists()


def test_a_container_is_not_double_booked_by_another_batch(manager, farm):
    other = BatchFactory(batch_number="OTHER", start_date=dt.date(2024, 1, 1))
    body = assignment_body(farm, batch=other.pk, container=farm.source.container_id, assignment_date="2024-01-10")
    response = manager.post(f"{V1}/batch/assignments/", body)
    assert response.status_code == 400 and errors_by_field(response) == {"container": "invalid"}
    assert "holds batch" in response.json()["errors"][0]["detail"]
    assert BatchContainerAssignment.objects.count() == 2


def transfer(farm, **changes) -> dict:
    return {
        "source_assignment": farm.source.pk,
        "dest_assignment": farm.dest.pk,
        "status": "COMPLETED",
        "actual_execution_date": "2024-01-30",
        "transferred_count": 500,
        **changes,
    }


def test_a_transfer_across_batches_is_refused(operator, farm):
    elsewhere = AssignmentFactory(batch=BatchFactory(batch_number="OTHER"), assignment_date=dt.date(2024, 1, 30))
    RecomputeMarker.objects.all().delete()
    response = operator.post(f"{V1}/batch/transfers/", transfer(farm, dest_assignment=elsewhere.pk))
    assert_refused(response, {"dest_assignment": "invalid"}, TransferAction)


def test_a_transfer_may_move_what_the_earlier_transfer_left_but_not_one_more(operator, farm):
    # 10,000 placed; the day-30 transfer already moved 9,000 alive + 10 dead: 990 left on day 30
    too_many = operator.post(
        f"{V1}/batch/transfers/", transfer(farm, transferred_count=981, mortality_during_transfer=10)
    )
    assert_refused(too_many, {"transferred_count": "exceeds_population"}, TransferAction)
    assert too_many.json()["errors"][0]["detail"].endswith("but the assignment holds 990 fish on 2024-01-30.")
    assert operator.post(f"{V1}/batch/transfers/", transfer(farm, transferred_count=990)).status_code == 201


def test_the_source_population_starts_from_the_latest_stored_state_before_the_transfer(operator, farm):
    TransferAction.objects.filter(pk=farm.transfer.pk).update(status=TransferAction.Status.PENDING)  # not counted
    ActualDailyAssignmentState.objects.create(
        assignment=farm.source,
        batch=farm.batch,
        container=farm.source.container,
        date=day(20),
        day_number=20,
        lifecycle_stage=farm.source.lifecycle_stage,
        avg_weight_g=140,
        population=8_000,
        biomass_kg=1120,
        temp_c=8,
        mortality_count=0,
        feed_kg=0,
        last_computed_at=timezone.now(),
    )
    split = AssignmentFactory(
        batch=farm.batch, assignment_date=day(25), placement_count=None, placement_avg_weight_g=None
    )
    RecomputeMarker.objects.all().delete()
    body = transfer(farm, dest_assignment=split.pk, actual_execution_date="2024-01-25", transferred_count=8_001)
    response = operator.post(f"{V1}/batch/transfers/", body)
    assert_refused(response, {"transferred_count": "exceeds_population"}, TransferAction)
    assert operator.post(f"{V1}/batch/transfers/", {**body, "transferred_count": 8_000}).status_code == 201


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"dest_assignment": None}, "dest_assignment"),
        ({"actual_execution_date": None}, "actual_execution_date"),
        ({"actual_execution_date": "2024-02-05"}, "actual_execution_date"),  # after the source departed
        ({"actual_execution_date": TOMORROW}, "actual_execution_date"),
        ({"transferred_count": 0}, "transferred_count"),
        ({"mortality_during_transfer": -1}, "mortality_during_transfer"),
        ({"measured_avg_weight_g": "0"}, "measured_avg_weight_g"),
        ({"source_assignment": 999_999}, "source_assignment"),
    ],
)
def test_other_bad_transfers_are_refused(operator, farm, changes, field):
    body = transfer(farm, **changes)
    if changes.get("dest_assignment", 0) is None:
        body["dest_assignment"] = farm.source.pk  # a transfer into its own source
    response = operator.post(f"{V1}/batch/transfers/", body)
    assert response.status_code == 400 and set(errors_by_field(response)) == {field}
    assert TransferAction.objects.count() == 1


def test_a_scenario_whose_profile_has_no_days_is_refused(manager, farm):
    empty = TGCModelFactory(profile=TemperatureProfileFactory(days={}))
    body = {
        "name": "No temperatures",
        "batch": farm.batch.pk,
        "start_date": "2024-01-01",
        "duration_days": 300,
        "initial_count": 10_000,
        "initial_weight_g": "100.00",
        "tgc_model": empty.pk,
        "mortality_model": farm.scenario.mortality_model_id,
    }
    response = manager.post(f"{V1}/scenario/scenarios/", body)
    assert response.status_code == 400 and errors_by_field(response) == {"tgc_model": "empty_profile"}
    assert Scenario.objects.count() == 1 and not RecomputeMarker.objects.exists()


def test_emptying_a_profile_in_use_is_refused(manager, farm):
    profile = farm.scenario.tgc_model.profile
    response = manager.patch(f"{V1}/scenario/temperature-profiles/{profile.pk}/", {"days": []})
    assert response.status_code == 400 and errors_by_field(response) == {"days": "empty_profile"}
    assert profile.days.count() == 2


def test_nested_errors_name_the_row_and_field(manager, salmon):
    response = manager.post(
        f"{V1}/scenario/temperature-profiles/",
        {"name": "Bad", "days": [{"day_number": 1, "temp_c": 8}, {"day_number": 0, "temp_c": 99}]},
    )
    assert errors_by_field(response) == {"days.1.day_number": "min_value", "days.1.temp_c": "max_value"}


def test_a_duplicate_batch_number_is_refused(manager, farm):
    response = manager.post(
        f"{V1}/batch/batches/",
        {"batch_number": farm.batch.batch_number, "species": farm.batch.species_id, "start_date": "2024-01-01"},
    )
    assert errors_by_field(response) == {"batch_number": "unique"}


def test_pinning_another_batchs_scenario_through_a_batch_update_is_refused(manager, farm):
    other = BatchFactory(batch_number="OTHER")
    response = manager.patch(f"{V1}/batch/batches/{other.pk}/", {"pinned_scenario": farm.scenario.pk})
    assert errors_by_field(response) == {"pinned_scenario": "other_batch"}


def test_nested_rows_in_a_partial_update_still_need_all_their_fields(manager, farm):
    profile = farm.scenario.tgc_model.profile
    response = manager.patch(
        f"{V1}/scenario/temperature-profiles/{profile.pk}/",
        {"days": [{"day_number": 1, "temp_c": 7}, {"day_number": 9}]},
    )
    assert response.status_code == 400 and errors_by_field(response) == {"days.1.temp_c": "required"}
    overrides = manager.patch(
        f"{V1}/scenario/tgc-models/{farm.scenario.tgc_model_id}/", {"stage_overrides": [{"tgc_value": 2.0}]}
    )
    assert errors_by_field(overrides) == {"stage_overrides.0.lifecycle_stage": "required"}
    assert profile.days.count() == 2
