"""List filters by batch, assignment, container and date range; pagination."""

import datetime as dt

import pytest

from apps.batch.models import BatchContainerAssignment
from apps.recompute.run import batch_recompute
from tests.api.conftest import day, errors_by_field
from tests.factories import AssignmentFactory, BatchFactory, GrowthSampleFactory, MortalityEventFactory, reading

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def samples(farm):
    """Three samples in the source (days 5, 12, 20), one in the destination (day 40), one in another batch."""
    in_source = [GrowthSampleFactory(assignment=farm.source, sample_date=day(n)) for n in (5, 12, 20)]
    in_dest = GrowthSampleFactory(assignment=farm.dest, sample_date=day(40))
    elsewhere = GrowthSampleFactory(assignment=AssignmentFactory(batch=BatchFactory(batch_number="OTHER")))
    return in_source, in_dest, elsewhere


def test_samples_filter_by_batch_assignment_container_and_date_range(viewer, farm, samples):
    in_source, in_dest, elsewhere = samples
    url = f"{V1}/batch/growth-samples/"
    everything = {s.pk for s in [*in_source, in_dest, elsewhere]}
    assert set(ids(viewer.get(url))) == everything
    assert set(ids(viewer.get(url, {"batch": farm.batch.pk}))) == {s.pk for s in [*in_source, in_dest]}
    assert set(ids(viewer.get(url, {"assignment": farm.dest.pk}))) == {in_dest.pk}
    assert set(ids(viewer.get(url, {"container": farm.source.container_id}))) == {s.pk for s in in_source}
    in_range = viewer.get(url, {"batch": farm.batch.pk, "date_from": "2024-01-12", "date_to": "2024-02-09"})
    assert ids(in_range) == [in_dest.pk, in_source[2].pk, in_source[1].pk]  # newest first
    assert ids(viewer.get(url, {"batch": 999_999})) == []


def test_a_malformed_filter_value_is_400_naming_the_parameter(viewer, farm):
    response = viewer.get(f"{V1}/batch/growth-samples/", {"date_from": "last week", "batch": "B-1"})
    assert response.status_code == 400 and set(errors_by_field(response)) == {"date_from", "batch"}


def test_transfers_filter_by_either_end(viewer, farm):
    url = f"{V1}/batch/transfers/"
    assert ids(viewer.get(url, {"assignment": farm.dest.pk})) == [farm.transfer.pk]
    assert ids(viewer.get(url, {"container": farm.source.container_id, "status": "COMPLETED"})) == [farm.transfer.pk]
    assert ids(viewer.get(url, {"date_to": "2024-01-29"})) == []


def test_assignments_filter_by_days_in_a_range(viewer, farm):
    url = f"{V1}/batch/assignments/"
    assert ids(viewer.get(url, {"batch": farm.batch.pk, "date_from": "2024-02-01"})) == [farm.dest.pk]
    assert ids(viewer.get(url, {"batch": farm.batch.pk, "date_to": "2024-01-15"})) == [farm.source.pk]


def test_readings_filter_by_the_batch_that_was_in_the_container_at_the_time(viewer, farm):
    tank = farm.source.container
    during = reading(tank, dt.datetime(2024, 1, 10, 12, tzinfo=dt.UTC), 8.2)
    reading(tank, dt.datetime(2024, 2, 10, 12, tzinfo=dt.UTC), 9.0)  # the source had left
    assert ids(viewer.get(f"{V1}/environmental/readings/", {"batch": farm.batch.pk, "container": tank.pk})) == [
        during.pk
    ]


def test_daily_states_filter_by_assignment_and_dates(viewer, farm):
    batch_recompute(batch_id=farm.batch.pk, today=dt.date(2024, 3, 1))
    response = viewer.get(
        f"{V1}/batch/daily-states/", {"assignment": farm.dest.pk, "date_from": "2024-02-01", "date_to": "2024-02-07"}
    )
    rows = response.json()["results"]
    assert [r["date"] for r in rows] == [f"2024-02-0{n}" for n in range(1, 8)]
    assert {r["assignment"] for r in rows} == {farm.dest.pk} and all(r["population"] > 0 for r in rows)
    assert viewer.get(f"{V1}/batch/daily-states/", {"batch": farm.batch.pk}).json()["count"] == 60


def test_lists_are_paginated_by_100_with_a_page_size_parameter(viewer, farm):
    MortalityEventFactory.create_batch(130, assignment=farm.source, event_date=day(3), count=1)
    first = viewer.get(f"{V1}/batch/mortality-events/").json()
    assert (first["count"], len(first["results"]), first["previous"]) == (130, 100, None)
    second = viewer.get(first["next"]).json()
    assert len(second["results"]) == 30 and second["next"] is None
    assert len(viewer.get(f"{V1}/batch/mortality-events/", {"page_size": 20}).json()["results"]) == 20
    past_the_end = viewer.get(f"{V1}/batch/mortality-events/", {"page": 9})
    assert past_the_end.status_code == 400 and errors_by_field(past_the_end) == {"page": "invalid_page"}


@pytest.mark.parametrize(
    "url, query, parameter",
    [
        ("batch/assignments/", {"active": "maybe"}, "active"),
        ("health/treatments/", {"includes_weighing": "2"}, "includes_weighing"),
        ("batch/growth-samples/", {"batch": "1.5"}, "batch"),
        ("batch/growth-samples/", {"batch": "1.0"}, "batch"),
        ("batch/growth-samples/", {"assignment": "0"}, "assignment"),
        ("batch/growth-samples/", {"date_from": "2024-1-5"}, "date_from"),
        ("batch/transfers/", {"status": "done"}, "status"),
        ("batch/growth-samples/", {"page_size": "abc"}, "page_size"),
        ("batch/growth-samples/", {"page_size": "1001"}, "page_size"),
        ("batch/growth-samples/", {"page": "0"}, "page"),
        ("batch/growth-samples/", {"page": "last"}, "page"),
        ("batch/growth-samples/", {"page": "999"}, "page"),
        ("batch/daily-states/", {"date_from": "~50%,"}, "date_from"),  # a % in the value once made a 500
        ("batch/growth-samples/", {"date_to": ""}, "date_to"),
        ("batch/transfers/", {"status": ""}, "status"),
    ],
)
def test_a_malformed_filter_or_page_is_a_400_naming_the_parameter(viewer, farm, url, query, parameter):
    """Issue 9, case 7: these were ignored with a 200 (or a 404 for the page)."""
    response = viewer.get(f"{V1}/{url}", query)
    assert response.status_code == 400 and set(errors_by_field(response)) == {parameter}


def test_boolean_filters_take_true_and_false(viewer, farm):
    url = f"{V1}/batch/assignments/"
    BatchContainerAssignment.objects.filter(pk=farm.dest.pk).update(departure_date=None)  # the destination stays
    assert ids(viewer.get(url, {"batch": farm.batch.pk, "active": "true"})) == [farm.dest.pk]
    assert ids(viewer.get(url, {"batch": farm.batch.pk, "active": "False"})) == [farm.source.pk]
