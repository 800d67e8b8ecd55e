"""The growth data in columns, its ETag and 304, and the display fields the chart reads."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from apps.batch.models import ActualDailyAssignmentState
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import AssignmentFactory, FeedingEventFactory, GrowthSampleFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 12, 31)


@pytest.fixture
def farm(salmon):
    scenario, source, dest, transfer = farm_with_transfer(days=60, transfer_day=30)
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=13), avg_weight_g=Decimal("125.00"))
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    scenario.batch.refresh_from_db()
    return scenario, source, dest, transfer


def url(batch_id):
    return f"/api/v1/batch/batches/{batch_id}/combined-growth-data/"


def test_the_columnar_shape_holds_the_same_figures_as_the_rows(user_client, farm):
    scenario, source, dest, _ = farm
    rows = user_client.get(url(scenario.batch_id)).json()
    cols = user_client.get(url(scenario.batch_id), {"shape": "columnar", "include_states": "true"}).json()
    assert cols["shape"] == "columnar" and "shape" not in rows
    totals = cols["batch_totals"]
    for key in ("date", "population", "biomass_kg", "avg_weight_g", "feed_kg", "mortality_count", "anchor_type"):
        assert totals[key] == [r[key] for r in rows["batch_totals"]], key  # one aggregation: the very same values
    states = cols["actual_daily_states"]
    assert len(states["date"]) == len(rows["actual_daily_states"]) == 60
    assert set(states["weight_source"]) <= {"measured", "interpolated", "tgc_computed"}
    day14 = states["date"].index("2024-01-14")
    assert states["weight_source"][day14] == "measured" and states["avg_weight_g"][day14] == 125.0
    assert cols["growth_samples"]["avg_weight_g"] == [125.0]
    assert len(cols["scenario"]["projection"]["date"]) == len(rows["scenario"]["projection"])


def test_the_whole_batch_leaves_the_per_container_rows_out_unless_asked_and_counts_the_measured(user_client, farm):
    scenario, source, _, _ = farm
    body = user_client.get(url(scenario.batch_id), {"shape": "columnar"}).json()
    assert body["actual_daily_states"] is None
    totals = body["batch_totals"]
    day14 = totals["date"].index("2024-01-14")  # the sample's day: its one container measured
    assert totals["measured"][day14] == 1 == totals["containers"][day14]
    assert totals["measured"][day14 + 1] == 0 and 0.5 <= totals["weight_confidence_min"][day14 + 1] < 1
    drilled = user_client.get(url(scenario.batch_id), {"shape": "columnar", "assignment_id": source.pk}).json()
    assert len(drilled["actual_daily_states"]["date"]) == 29


def test_the_columnar_weekly_totals_are_iso_week_aggregates(user_client, farm):
    daily = user_client.get(url(farm[0].batch_id), {"shape": "columnar"}).json()["batch_totals"]
    weekly = user_client.get(url(farm[0].batch_id), {"shape": "columnar", "granularity": "weekly"}).json()
    week = weekly["batch_totals"]
    i = week["iso_week"].index("2024-W02")
    days = [j for j, d in enumerate(daily["date"]) if "2024-01-08" <= d <= "2024-01-14"]
    assert week["population"][i] == daily["population"][days[-1]]
    assert week["mortality_count"][i] == sum(daily["mortality_count"][j] for j in days)
    assert week["feed_kg"][i] == pytest.approx(sum(daily["feed_kg"][j] for j in days), abs=0.001)
    assert weekly["actual_daily_states"] is None


def test_the_weekly_rows_hold_the_weekly_columns_figures(user_client, farm):
    cols = user_client.get(url(farm[0].batch_id), {"shape": "columnar", "granularity": "weekly"}).json()["batch_totals"]
    rows = user_client.get(url(farm[0].batch_id), {"granularity": "weekly"}).json()["batch_totals"]
    assert len(rows) == len(cols["date"]) == 9  # 60 days from Monday 1 January 2024: 8 whole weeks and 4 days
    for key in (
        "date",
        "iso_week",
        "avg_weight_g",
        "population",
        "biomass_kg",
        "feed_kg",
        "mortality_count",
        "anchor_type",
    ):
        assert cols[key] == [r[key] for r in rows], key


@pytest.fixture
def two_pens(farm):
    """The farm with a second pen of the batch alongside (placed on day 11, fed daily, weighed on day 25), so
    weeks sum over containers, and an observed FCR on some rows and not on others."""
    scenario, source, _, _ = farm
    pen = AssignmentFactory(
        batch=scenario.batch, assignment_date=START + dt.timedelta(days=10), placement_avg_weight_g=Decimal("80.00")
    )
    for day in range(10, 60):
        FeedingEventFactory(assignment=pen, feeding_date=START + dt.timedelta(days=day), amount_kg=Decimal("9.500"))
    for day in (5, 12, 19):
        FeedingEventFactory(assignment=source, feeding_date=START + dt.timedelta(days=day), amount_kg=Decimal("4.000"))
    GrowthSampleFactory(assignment=pen, sample_date=START + dt.timedelta(days=24), avg_weight_g=Decimal("101.00"))
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    return scenario


def weeks_of_the_stored_rows(batch_id, start=None, end=None) -> dict[str, dict]:
    """The independent truth: ISO weeks of the stored daily rows, added up in Python."""
    rows = ActualDailyAssignmentState.objects.filter(batch_id=batch_id).order_by("date")
    weeks = defaultdict(list)
    for r in rows:
        if (start is None or r.date >= start) and (end is None or r.date <= end):
            year, week = r.date.isocalendar()[:2]
            weeks[f"{year}-W{week:02d}"].append(r)
    out = {}
    for week, rs in weeks.items():
        last = max(r.date for r in rs)
        pop = sum(r.population for r in rs)
        gain = sum(r.feed_kg / r.observed_fcr for r in rs if r.observed_fcr)
        out[week] = {
            "first_date": min(r.date for r in rs).isoformat(), "date": last.isoformat(),
            "avg_weight_g": float(sum(r.avg_weight_g * r.population for r in rs) / pop),
            "temp_c": float(sum(r.temp_c * r.population for r in rs) / pop),
            "population": sum(r.population for r in rs if r.date == last),
            "biomass_kg": float(sum(r.biomass_kg for r in rs if r.date == last)),
            "feed_kg": float(sum(r.feed_kg for r in rs)), "mortality_count": sum(r.mortality_count for r in rs),
            "gain_kg": float(gain), "fcr": float(sum(r.feed_kg for r in rs if r.observed_fcr) / gain) if gain else None,
            "anchor_type": max((r.anchor_type for r in rs if r.anchor_type), default=None),
        }  # fmt: skip
    return out


@pytest.mark.parametrize("window", [{}, {"start_date": "2024-01-10", "end_date": "2024-02-21"}])
def test_the_weekly_totals_are_the_iso_weeks_of_the_stored_rows(user_client, two_pens, window):
    body = user_client.get(url(two_pens.batch_id), {"shape": "columnar", "granularity": "weekly", **window}).json()
    week = body["batch_totals"]
    bounds = [dt.date.fromisoformat(window[k]) if k in window else None for k in ("start_date", "end_date")]
    truth = weeks_of_the_stored_rows(two_pens.batch_id, *bounds)
    assert week["iso_week"] == sorted(truth) and len(truth) >= 7
    assert any(v["fcr"] for v in truth.values()) and len({v["population"] for v in truth.values()}) > 2
    for i, name in enumerate(week["iso_week"]):
        expected = truth[name]
        for key in ("first_date", "date", "population", "mortality_count", "anchor_type"):
            assert week[key][i] == expected[key], (name, key)
        for key, digits in (
            ("avg_weight_g", 2),
            ("temp_c", 2),
            ("biomass_kg", 2),
            ("feed_kg", 3),
            ("gain_kg", 3),
            ("fcr", 3),
        ):
            assert week[key][i] == (None if expected[key] is None else pytest.approx(expected[key], abs=10**-digits)), (
                name,
                key,
            )
    assert body["date_range"] == {"start": week["first_date"][0], "end": week["date"][-1]}


def test_the_events_mark_the_transfer_and_the_assignments_carry_labels(user_client, farm):
    scenario, source, dest, transfer = farm
    body = user_client.get(url(scenario.batch_id), {"shape": "columnar"}).json()
    assert [t["date"] for t in body["events"]["transfers"]] == [transfer.actual_execution_date.isoformat()]
    assert body["events"]["transfers"][0]["count"] == 9_000
    # the destination departs without a transfer out: its end is marked as a harvest
    assert [h["date"] for h in body["events"]["harvests"]] == [dest.departure_date.isoformat()]
    labels = {a["id"]: a["label"] for a in body["assignments"]}
    site = source.container.site.name
    assert labels[source.pk] == f"{source.container.name} · {site} · 2024-01-01 → 2024-01-30"


def test_a_drill_down_keeps_to_the_containers_own_days(user_client, farm):
    scenario, source, _, _ = farm
    body = user_client.get(url(scenario.batch_id), {"shape": "columnar", "assignment_id": source.pk}).json()
    # the source's last day is the one before its departure: the fish spend the transfer day in the destination
    assert body["date_range"] == {"start": "2024-01-01", "end": "2024-01-29"}
    assert set(body["actual_daily_states"]["assignment_id"]) == {source.pk}


def test_an_unchanged_batch_answers_304_with_no_body(user_client, farm):
    first = user_client.get(url(farm[0].batch_id), {"shape": "columnar"})
    tag = first["ETag"]
    again = user_client.get(url(farm[0].batch_id), {"shape": "columnar"}, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == tag
    weak = user_client.get(url(farm[0].batch_id), {"shape": "columnar"}, HTTP_IF_NONE_MATCH="W/" + tag)
    assert weak.status_code == 304  # GZipMiddleware sends the tag weakened; the page sends it back so


def test_the_tag_differs_per_query_and_changes_with_a_new_sample(user_client, farm):
    scenario, source, _, _ = farm
    tag = user_client.get(url(scenario.batch_id), {"shape": "columnar"})["ETag"]
    assert user_client.get(url(scenario.batch_id), {"shape": "columnar", "granularity": "weekly"})["ETag"] != tag
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=20), avg_weight_g=Decimal("140.00"))
    changed = user_client.get(url(scenario.batch_id), {"shape": "columnar"}, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag
    assert changed.json()["growth_samples"]["avg_weight_g"] == [125.0, 140.0]


def test_the_tag_changes_after_a_recompute(user_client, farm):
    tag = user_client.get(url(farm[0].batch_id), {"shape": "columnar"})["ETag"]
    batch_recompute(batch_id=farm[0].batch_id, today=TODAY)
    assert user_client.get(url(farm[0].batch_id), {"shape": "columnar"}, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_the_growth_data_is_gzipped_for_a_client_that_accepts_it(user_client, farm):
    response = user_client.get(url(farm[0].batch_id), {"shape": "columnar"}, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"


def test_an_unknown_shape_is_400_naming_the_field(user_client, farm):
    response = user_client.get(url(farm[0].batch_id), {"shape": "pie"})
    assert response.status_code == 400 and [e["field"] for e in response.json()["errors"]] == ["shape"]


@pytest.fixture
def open_farm(salmon):
    """A batch holding fish today: placed 60 days ago, no departure, so it has a live projection."""
    from django.utils import timezone

    from tests.factories import AssignmentFactory, ScenarioFactory

    start = timezone.localdate() - dt.timedelta(days=59)
    scenario = ScenarioFactory(batch__start_date=start)
    tank = AssignmentFactory(batch=scenario.batch, assignment_date=start)
    GrowthSampleFactory(assignment=tank, sample_date=start + dt.timedelta(days=30), avg_weight_g=Decimal("130.00"))
    batch_recompute(batch_id=scenario.batch_id)
    scenario.batch.refresh_from_db()
    return scenario, tank


def test_the_chart_data_carries_the_live_forecast_and_a_new_sample_moves_it(user_client, open_farm):
    scenario, tank = open_farm
    first = user_client.get(url(scenario.batch_id), {"shape": "columnar"})
    forecast = first.json()["forecast"]
    weights = forecast["avg_weight_g"]
    assert len(forecast["date"]) == len(weights["p50"]) == len(forecast["population"]["p90"]) > 30
    assert (
        forecast["date"][0] > first.json()["date_range"]["end"]
        or forecast["date"][0] == first.json()["date_range"]["end"]
    )
    assert all(lo <= mid <= hi for lo, mid, hi in zip(weights["p10"], weights["p50"], weights["p90"]))
    assert weights["p90"][-1] - weights["p10"][-1] > weights["p90"][0] - weights["p10"][0]  # the band widens

    GrowthSampleFactory(assignment=tank, sample_date=forecast["as_of_date"], avg_weight_g=Decimal("400.00"))
    batch_recompute(batch_id=scenario.batch_id)
    second = user_client.get(url(scenario.batch_id), {"shape": "columnar"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200  # the recompute changed the tag
    assert second.json()["forecast"]["avg_weight_g"]["p50"][0] > weights["p50"][0] + 50  # 164 g -> 261 g here


def test_a_batch_without_fish_today_has_no_forecast(user_client, farm):
    scenario, _, _, _ = farm
    assert user_client.get(url(scenario.batch_id), {"shape": "columnar"}).json()["forecast"] is None


def test_the_weekly_projection_is_the_daily_one_on_each_weeks_last_day(user_client, farm):
    daily = user_client.get(url(farm[0].batch_id), {"shape": "columnar"}).json()["scenario"]["projection"]
    weekly = user_client.get(url(farm[0].batch_id), {"shape": "columnar", "granularity": "weekly"}).json()["scenario"][
        "projection"
    ]
    sundays = [d for d in daily["date"] if dt.date.fromisoformat(d).isoweekday() == 7]
    assert weekly["date"] == list(dict.fromkeys([daily["date"][0], *sundays, daily["date"][-1]]))
    for name in ("day_number", "avg_weight_g", "population", "biomass_kg"):
        assert weekly[name] == [daily[name][daily["date"].index(d)] for d in weekly["date"]]
