"""The forecast endpoints: growth segments and the projection, for the viewer role, and in combined-growth-data."""

import datetime as dt

import pytest

from apps.forecast.models import Projection
from apps.recompute.run import batch_recompute
from tests.api.conftest import day, errors_by_field

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 2, 20)


def url(batch, action: str) -> str:
    return f"/api/v1/batch/batches/{batch.pk}/{action}/"


@pytest.fixture
def sampled(farm):
    from tests.factories import GrowthSampleFactory

    GrowthSampleFactory(assignment=farm.source, sample_date=day(20))
    GrowthSampleFactory(assignment=farm.dest, sample_date=day(45), avg_weight_g=250)
    batch_recompute(batch_id=farm.batch.pk, today=TODAY)
    return farm


def test_a_viewer_reads_the_growth_segments_of_a_batch(viewer, sampled):
    response = viewer.get(url(sampled.batch, "growth-segments"))
    assert response.status_code == 200
    body = response.json()
    assert [(s["assignment_id"], s["end_date"]) for s in body] == [
        (sampled.source.pk, "2024-01-20"),
        (sampled.dest.pk, "2024-02-14"),
    ]
    assert body[0]["start_kind"] == "placement" and body[0]["end_kind"] == "growth_sample"
    only = viewer.get(url(sampled.batch, "growth-segments"), {"assignment_id": sampled.dest.pk}).json()
    assert [s["assignment_id"] for s in only] == [sampled.dest.pk]


def test_a_viewer_reads_the_projection_of_the_active_assignments_and_the_batch(viewer, sampled):
    body = viewer.get(url(sampled.batch, "projection")).json()
    [projection] = body["assignments"]  # the source departed on day 30
    assert projection["assignment_id"] == sampled.dest.pk and projection["as_of_date"] == "2024-02-20"
    assert len(projection["series"]["weight_g"]["p50"]) == projection["days"] > 0
    assert body["total"]["assignment_id"] is None and body["total"]["first_date"] == projection["first_date"]


def test_combined_growth_data_carries_the_segments_and_the_projection_beside_its_keys(viewer, sampled):
    body = viewer.get(url(sampled.batch, "combined-growth-data")).json()
    assert {
        "batch",
        "scenario",
        "growth_samples",
        "actual_daily_states",
        "batch_totals",
        "growth_segments",
        "projection",
    } <= set(body)
    assert len(body["growth_segments"]) == 2 and len(body["projection"]["assignments"]) == 1


def test_anonymous_callers_get_no_forecast(client, sampled):
    assert client.get(url(sampled.batch, "projection")).status_code in (401, 403)


def test_a_viewer_reads_the_forecast_summary_of_a_batch(viewer, sampled):
    body = viewer.get(url(sampled.batch, "forecast-summary")).json()
    [one] = body["assignments"]  # the active one; its tank stands in a freshwater site
    projection = Projection.objects.get(assignment=sampled.dest)
    assert (one["assignment_id"], one["container_id"], one["as_of_date"]) == (
        sampled.dest.pk,
        sampled.dest.container_id,
        "2024-02-20",
    )
    assert one["harvest"]["date"] == (projection.harvest_date and projection.harvest_date.isoformat())
    assert one["sea_transfer"]["date"] == projection.sea_transfer_date.isoformat()
    assert one["sea_transfer"]["weight_g"]["p50"] == projection.sea_transfer_weight_p50_g
    assert one["flag"] in {"PLANNED", "NEEDS_PLANNING", "PROJECTED"} and body["planning_days"] == 90


def test_a_viewer_reads_the_farms_forecast_summary_by_iso_week_and_by_site(viewer, sampled):
    body = viewer.get("/api/v1/forecast/summary/").json()
    assert len(body["weeks"]) == 26 and body["site_id"] is None
    assert set(body["weeks"][0]) == {"week", "start_date", "harvest", "sea_transfer"}
    site = sampled.dest.container.site_id
    assert viewer.get("/api/v1/forecast/summary/", {"site": site}).json()["site_id"] == site


@pytest.mark.parametrize(
    ("value", "code"), [("999999", "does_not_exist"), ("abc", "invalid"), ("", "blank"), ("0", "min_value")]
)
def test_a_bad_site_is_a_400_naming_it(viewer, sampled, value, code):
    response = viewer.get("/api/v1/forecast/summary/", {"site": value})
    assert response.status_code == 400 and errors_by_field(response) == {"site": code}


def test_anonymous_callers_get_no_forecast_summary(client, sampled):
    assert client.get("/api/v1/forecast/summary/").status_code == 401
    assert client.get(url(sampled.batch, "forecast-summary")).status_code == 401
