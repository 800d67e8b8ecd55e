"""The growth chart's data endpoint and pages."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import GrowthSampleFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 12, 31)


@pytest.fixture
def farm(salmon):
    scenario, source, dest, _ = farm_with_transfer(days=60, transfer_day=30)
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=13), avg_weight_g=Decimal("125.00"))
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    return scenario, source, dest


def url(batch_id):
    return f"/api/v1/batch/batches/{batch_id}/combined-growth-data/"


def test_anonymous_requests_get_401(client, farm):
    assert client.get(url(farm[0].batch_id)).status_code in (401, 403)


def test_the_daily_data_holds_samples_scenario_states_and_batch_totals(user_client, farm):
    scenario, source, dest = farm
    body = user_client.get(url(scenario.batch_id)).json()
    assert len(body["actual_daily_states"]) == 60 and len(body["batch_totals"]) == 60
    assert [s["avg_weight_g"] for s in body["growth_samples"]] == [125.0]
    assert body["scenario"]["id"] == scenario.pk and len(body["scenario"]["projection"]) == scenario.duration_days
    day14 = next(r for r in body["actual_daily_states"] if r["date"] == "2024-01-14")
    assert day14["avg_weight_g"] == 125.0 and day14["anchor_type"] == "growth_sample"
    # the batch line marks the anchor days of its assignments: the sample, and the transfer into the tank
    marked = {r["date"]: r["anchor_type"] for r in body["batch_totals"] if r["anchor_type"]}
    states = {r["date"]: r["anchor_type"] for r in body["actual_daily_states"] if r["anchor_type"]}
    assert marked["2024-01-14"] == "growth_sample" and set(marked) == set(states)


def test_weekly_is_a_true_iso_week_aggregate(user_client, farm):
    scenario, source, _ = farm
    daily = user_client.get(url(scenario.batch_id)).json()["batch_totals"]
    weekly = user_client.get(url(scenario.batch_id), {"granularity": "weekly"}).json()["batch_totals"]
    week2 = [r for r in daily if "2024-01-08" <= r["date"] <= "2024-01-14"]  # ISO week 2 of 2024
    row = next(w for w in weekly if w["iso_week"] == "2024-W02")
    assert row["mortality_count"] == sum(r["mortality_count"] for r in week2)
    assert row["population"] == week2[-1]["population"]  # end of week, not a sum
    expected = sum(r["avg_weight_g"] * r["population"] for r in week2) / sum(r["population"] for r in week2)
    assert row["avg_weight_g"] == pytest.approx(expected, abs=0.01)
    assert row["anchor_type"] == "growth_sample"  # the sample on 2024-01-14 is in week 2


def test_bad_query_parameters_get_400_naming_the_field(user_client, farm):
    response = user_client.get(url(farm[0].batch_id), {"granularity": "monthly", "start_date": "nope"})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"granularity", "start_date"}


def test_an_unknown_batch_is_404(user_client, farm):
    assert user_client.get(url(999999)).status_code == 404


def test_the_pages_render_for_a_logged_in_user(user_client, farm):
    assert farm[0].batch.batch_number in user_client.get("/batches/").content.decode()
    page = user_client.get(f"/batches/{farm[0].batch_id}/growth/").content.decode()
    assert 'id="chart"' in page and 'id="status"' in page
    assert "/static/web/vendor/echarts.min.js" in page and "/static/web/growth.js" in page
