"""Issue 9: every input inside its domain (aquamind/domain.py) -- the values that used to be accepted and then
poison a batch's recompute, the counts beyond the population they come from, and the dates that gave 500s."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.batch.models import BatchContainerAssignment, GrowthSample, MortalityEvent, RecomputeMarker
from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.inventory.models import FeedingEvent
from apps.scenario.models import Scenario
from tests.api.conftest import errors_by_field
from tests.factories import (
    ContainerFactory,
    GrowthSampleFactory,
    MortalityEventFactory,
    reading,
    stage,
    temperature_parameter,
)

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


@pytest.fixture
def admin_client_api(client_as):
    return client_as("admin")


def refused(response, field: str, code: str) -> None:
    assert response.status_code == 400, response.content
    assert errors_by_field(response) == {field: code}


# --- readings: the parameter's own range, and dates at the edge of Python's range ---------------------------


def reading_body(farm, **changes) -> dict:
    return {
        "container": farm.source.container_id,
        "parameter": temperature_parameter().pk,
        "reading_time": "2024-01-05T12:00:00Z",
        "value": 8.5,
        **changes,
    }


@pytest.mark.parametrize("value", [50001, 20000, 100000, 40.01, -2.01])
def test_a_temperature_outside_minus_2_to_40_degrees_is_refused(operator, farm, value):
    response = operator.post(f"{V1}/environmental/readings/", reading_body(farm, value=value))
    refused(response, "value", "out_of_range")
    assert "outside the range of Temperature (-2.0 to 40.0 °C)" in response.json()["errors"][0]["detail"]
    assert not EnvironmentalReading.objects.exists() and not RecomputeMarker.objects.exists()


@pytest.mark.parametrize("value", [-2.0, -1, 0, 39.99, 40.0])
def test_a_temperature_within_its_range_is_stored(operator, farm, value):
    assert operator.post(f"{V1}/environmental/readings/", reading_body(farm, value=value)).status_code == 201
    assert EnvironmentalReading.objects.get().value == value


def test_another_parameter_keeps_its_own_range(operator, admin_client_api, farm):
    created = admin_client_api.post(
        f"{V1}/environmental/parameters/",
        {"code": "oxygen", "name": "Oxygen", "unit": "mg/l", "min_value": 0, "max_value": 25},
    )
    assert created.status_code == 201 and created.json()["max_value"] == 25
    body = reading_body(farm, parameter=created.json()["id"])
    refused(operator.post(f"{V1}/environmental/readings/", {**body, "value": 25.5}), "value", "out_of_range")
    assert operator.post(f"{V1}/environmental/readings/", {**body, "value": 24.5}).status_code == 201


def test_a_new_temperature_parameter_gets_the_water_range(admin_client_api, salmon):
    created = admin_client_api.post(
        f"{V1}/environmental/parameters/", {"code": "Temperature", "name": "T", "unit": "°C"}
    )
    assert created.status_code == 201
    assert (created.json()["min_value"], created.json()["max_value"]) == (-2.0, 40.0)


def test_a_temperature_range_beyond_the_physical_limits_is_refused(admin_client_api, salmon):
    parameter = temperature_parameter()
    response = admin_client_api.patch(f"{V1}/environmental/parameters/{parameter.pk}/", {"max_value": 100})
    refused(response, "max_value", "out_of_range")
    parameter.refresh_from_db()
    assert parameter.max_value == 40.0


def test_a_range_that_would_exclude_stored_readings_is_refused(admin_client_api, farm):
    reading(farm.source.container, timezone.make_aware(dt.datetime(2024, 1, 3, 12)), 12.0)
    response = admin_client_api.patch(f"{V1}/environmental/parameters/{temperature_parameter().pk}/", {"max_value": 10})
    refused(response, "max_value", "excludes_readings")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "1989-12-31T23:59:59Z"])
def test_a_reading_time_before_1990_is_refused_not_a_500(operator, farm, moment):
    refused(
        operator.post(f"{V1}/environmental/readings/", reading_body(farm, reading_time=moment)),
        "reading_time",
        "too_early",
    )


# --- counts, weights and lengths with maxima ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("batch/mortality-events/", {"event_date": "2024-01-05", "count": 2_147_483_647}, "count"),
        ("batch/mortality-events/", {"event_date": "2024-01-05", "count": 10_000_001}, "count"),
        ("inventory/feeding-events/", {"feeding_date": "2024-01-05", "amount_kg": "999999999.999"}, "amount_kg"),
        ("inventory/feeding-events/", {"feeding_date": "2024-01-05", "amount_kg": "100000.001"}, "amount_kg"),
        (
            "batch/growth-samples/",
            {"sample_date": "2024-01-05", "sample_size": 100_001, "avg_weight_g": "120"},
            "sample_size",
        ),
        (
            "batch/growth-samples/",
            {"sample_date": "2024-01-05", "sample_size": 30, "avg_weight_g": "120", "std_dev_weight_g": "50000.01"},
            "std_dev_weight_g",
        ),
        (
            "batch/growth-samples/",
            {"sample_date": "2024-01-05", "sample_size": 30, "avg_weight_g": "120", "avg_length_cm": "200.01"},
            "avg_length_cm",
        ),
        (
            "health/treatments/",
            {
                "treatment_date": "2024-01-05",
                "treatment_type": "VACCINATION",
                "includes_weighing": True,
                "weighed_count": 10_000_001,
                "weighed_avg_weight_g": "120",
            },
            "weighed_count",
        ),
    ],
)
def test_a_count_weight_or_amount_beyond_its_maximum_is_refused(operator, farm, url, body, field):
    response = operator.post(f"{V1}/{url}", {"assignment": farm.source.pk, **body})
    refused(response, field, "max_value")
    assert not RecomputeMarker.objects.exists()


def test_a_days_feed_adds_up_to_at_most_100_tonnes(operator, farm):
    body = {"assignment": farm.source.pk, "feeding_date": "2024-01-05", "amount_kg": "60000.000"}
    assert operator.post(f"{V1}/inventory/feeding-events/", body).status_code == 201
    refused(operator.post(f"{V1}/inventory/feeding-events/", body), "amount_kg", "exceeds_daily_feed")
    assert operator.post(f"{V1}/inventory/feeding-events/", {**body, "amount_kg": "40000.000"}).status_code == 201
    assert FeedingEvent.objects.count() == 2


def test_the_schema_shows_the_domain_as_minimum_and_maximum(viewer):
    schemas = viewer.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["components"]["schemas"]
    assert (
        schemas["MortalityEvent"]["properties"]["count"]["minimum"],
        schemas["MortalityEvent"]["properties"]["count"]["maximum"],
    ) == (1, 10_000_000)
    assert schemas["GrowthSample"]["properties"]["sample_size"]["maximum"] == 100_000
    assert schemas["Scenario"]["properties"]["duration_days"]["maximum"] == 3_650
    assert schemas["EnvironmentalReading"]["properties"]["value"]["maximum"] == 1_000_000


# --- counts bounded by the population they come from --------------------------------------------------------


def test_mortality_beyond_the_fish_placed_is_refused(operator, farm):
    body = {"assignment": farm.dest.pk, "event_date": "2024-02-05"}  # 9,000 arrived on day 30
    response = operator.post(f"{V1}/batch/mortality-events/", {**body, "count": 2_147_483_647 // 1000})
    refused(response, "count", "exceeds_population")
    assert response.json()["errors"][0]["detail"] == "2147483 deaths, but the assignment holds 9000 fish on 2024-02-05."


def test_a_death_before_a_recorded_transfer_leaves_the_transfer_its_fish(operator, farm):
    # 10,000 placed; the day-30 transfer takes 9,000 + 10: on day 5 at most 990 may die
    body = {"assignment": farm.source.pk, "event_date": "2024-01-05"}
    response = operator.post(f"{V1}/batch/mortality-events/", {**body, "count": 991})
    refused(response, "count", "exceeds_population")
    assert response.json()["errors"][0]["detail"] == (
        "991 deaths, but only 990 can go on 2024-01-05 without the transfers and deaths recorded later taking "
        "more fish than the assignment received."
    )
    assert operator.post(f"{V1}/batch/mortality-events/", {**body, "count": 990}).status_code == 201


def test_earlier_deaths_leave_fewer_fish_and_later_transfers_must_stay_covered(operator, farm):
    MortalityEventFactory(assignment=farm.source, event_date=dt.date(2024, 1, 10), count=600)
    # day 29 holds 10,000 - 600 = 9,400, but the day-30 transfer takes 9,000 + 10 of them: 390 may die
    body = {"assignment": farm.source.pk, "event_date": "2024-01-29"}
    refused(operator.post(f"{V1}/batch/mortality-events/", {**body, "count": 391}), "count", "exceeds_population")
    assert operator.post(f"{V1}/batch/mortality-events/", {**body, "count": 390}).status_code == 201


def test_a_correction_of_a_death_count_does_not_count_itself_twice(operator, farm):
    event = MortalityEventFactory(assignment=farm.source, event_date=dt.date(2024, 1, 10), count=600)
    assert operator.patch(f"{V1}/batch/mortality-events/{event.pk}/", {"count": 990}).status_code == 200
    refused(operator.patch(f"{V1}/batch/mortality-events/{event.pk}/", {"count": 991}), "count", "exceeds_population")
    assert MortalityEvent.objects.get().count == 990  # 10,000 - 990 = 9,010: just what the day-30 transfer takes


def test_a_transfer_destination_holds_only_the_fish_moved_in(operator, farm):
    body = {"assignment": farm.dest.pk, "event_date": "2024-02-05"}
    refused(operator.post(f"{V1}/batch/mortality-events/", {**body, "count": 9_001}), "count", "exceeds_population")
    assert operator.post(f"{V1}/batch/mortality-events/", {**body, "count": 9_000}).status_code == 201


def test_a_placement_count_below_what_later_records_took_is_refused(manager, farm):
    # the day-30 transfer takes 9,000 alive + 10 dead of the 10,000 placed
    response = manager.patch(f"{V1}/batch/assignments/{farm.source.pk}/", {"placement_count": 9_009})
    refused(response, "placement_count", "exceeds_population")
    assert "take 9010 fish" in response.json()["errors"][0]["detail"]
    assert manager.patch(f"{V1}/batch/assignments/{farm.source.pk}/", {"placement_count": 9_010}).status_code == 200


def test_a_second_sample_of_the_same_assignment_and_day_is_refused(operator, farm):
    GrowthSampleFactory(assignment=farm.source, sample_date=dt.date(2024, 1, 14), avg_weight_g=Decimal("125.00"))
    RecomputeMarker.objects.all().delete()
    body = {"assignment": farm.source.pk, "sample_date": "2024-01-14", "sample_size": 30, "avg_weight_g": "125.00"}
    response = operator.post(f"{V1}/batch/growth-samples/", body)
    refused(response, "sample_date", "duplicate")
    assert GrowthSample.objects.count() == 1 and not RecomputeMarker.objects.exists()
    other_day = operator.post(f"{V1}/batch/growth-samples/", {**body, "sample_date": "2024-01-15"})
    assert other_day.status_code == 201


def test_a_sample_may_be_corrected_on_its_own_day(operator, farm):
    sample = GrowthSampleFactory(assignment=farm.source, sample_date=dt.date(2024, 1, 14))
    response = operator.patch(f"{V1}/batch/growth-samples/{sample.pk}/", {"sample_size": 60, "avg_weight_g": "131.50"})
    assert response.status_code == 200
    sample.refresh_from_db()
    assert (sample.sample_size, sample.avg_weight_g) == (60, Decimal("131.50"))


# --- dates: the earliest date, the planning horizon, bounded durations --------------------------------------


def scenario_body(farm, **changes) -> dict:
    return {
        "name": "Plan",
        "batch": farm.batch.pk,
        "start_date": "2024-01-01",
        "duration_days": 300,
        "initial_count": 10_000,
        "initial_weight_g": "100.00",
        "tgc_model": farm.scenario.tgc_model_id,
        "mortality_model": farm.scenario.mortality_model_id,
        **changes,
    }


@pytest.mark.parametrize(
    "changes, field, code",
    [
        ({"start_date": "9999-12-25", "duration_days": 3650}, "start_date", "beyond_horizon"),
        ({"start_date": "1989-12-31"}, "start_date", "too_early"),
        ({"duration_days": 3651}, "duration_days", "max_value"),
        ({"initial_count": 100_000_001}, "initial_count", "max_value"),
    ],
)
def test_a_scenario_outside_the_planning_horizon_or_too_long_is_refused(manager, farm, changes, field, code):
    refused(manager.post(f"{V1}/scenario/scenarios/", scenario_body(farm, **changes)), field, code)
    assert Scenario.objects.count() == 1


def test_a_scenario_five_years_ahead_for_ten_years_is_accepted_and_its_batch_can_still_be_drawn(manager, farm):
    start = timezone.localdate() + dt.timedelta(days=5 * 365)
    created = manager.post(
        f"{V1}/scenario/scenarios/", scenario_body(farm, start_date=start.isoformat(), duration_days=3650)
    )
    assert created.status_code == 201
    manager.post(f"{V1}/batch/batches/{farm.batch.pk}/pin-scenario/", {"scenario_id": created.json()["id"]})
    assert manager.get(f"{V1}/batch/batches/{farm.batch.pk}/combined-growth-data/").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-05", "1900-01-01"])
def test_an_assignment_starting_before_1990_is_refused(manager, farm, day):
    body = {
        "batch": farm.batch.pk,
        "container": ContainerFactory().pk,
        "lifecycle_stage": stage("Smolt").pk,
        "assignment_date": day,
    }
    refused(manager.post(f"{V1}/batch/assignments/", body), "assignment_date", "too_early")
    assert BatchContainerAssignment.objects.count() == 2


@pytest.mark.parametrize(
    "day, status, code", [("1900-01-01", "ACTIVE", "too_early"), ("9999-01-01", "PLANNED", "beyond_horizon")]
)
def test_a_batch_starting_before_1990_or_beyond_the_horizon_is_refused(manager, salmon, day, status, code):
    body = {"batch_number": "EDGE", "species": salmon.pk, "start_date": day, "status": status}
    refused(manager.post(f"{V1}/batch/batches/", body), "start_date", code)


@pytest.mark.parametrize("query", ["start_date=0001-01-01", "end_date=9999-12-31"])
def test_growth_data_for_dates_at_the_edge_of_the_calendar_is_a_400(viewer, farm, query):
    response = viewer.get(f"{V1}/batch/batches/{farm.batch.pk}/combined-growth-data/?{query}")
    assert response.status_code == 400 and set(errors_by_field(response)) == {query.split("=")[0]}


def test_a_recompute_request_from_before_1990_is_refused(manager, farm):
    response = manager.post(f"{V1}/batch/batches/{farm.batch.pk}/recompute-daily-states/", {"start_date": "0001-01-01"})
    refused(response, "start_date", "too_early")


def test_the_domain_parameter_defaults_hold_for_non_temperature_codes(salmon):
    parameter = EnvironmentalParameter.objects.create(code="salinity", name="Salinity", unit="ppt")
    assert (parameter.min_value, parameter.max_value) == (-1_000_000.0, 1_000_000.0)


def test_un_completing_a_transfer_whose_fish_later_died_is_refused(operator, farm):
    MortalityEventFactory(assignment=farm.dest, event_date=dt.date(2024, 2, 10), count=8_500)
    response = operator.patch(f"{V1}/batch/transfers/{farm.transfer.pk}/", {"status": "PENDING"})
    refused(response, "status", "exceeds_population")
    assert "8500 would be missing" in response.json()["errors"][0]["detail"]
    refused(
        operator.patch(f"{V1}/batch/transfers/{farm.transfer.pk}/", {"transferred_count": 8_499}),
        "transferred_count",
        "exceeds_population",
    )
    assert operator.patch(f"{V1}/batch/transfers/{farm.transfer.pk}/", {"transferred_count": 8_500}).status_code == 200


def test_deleting_a_transfer_whose_fish_later_died_is_refused(operator, farm):
    MortalityEventFactory(assignment=farm.dest, event_date=dt.date(2024, 2, 10), count=1)
    response = operator.delete(f"{V1}/batch/transfers/{farm.transfer.pk}/")
    assert response.status_code == 400 and errors_by_field(response) == {None: "exceeds_population"}
    MortalityEvent.objects.all().delete()
    assert operator.delete(f"{V1}/batch/transfers/{farm.transfer.pk}/").status_code == 204
