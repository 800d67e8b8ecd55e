"""The monthly site report (apps/reports/monthly.py) against an independent truth: on a generated farm (the small
preset, its states recomputed), for random sites and months, every figure of the site's total and of each batch
equals a sum made here with plain SQL over the stored daily states and the recorded events, and the fish balance
(closing = opening + in − out − deaths) holds exactly. Hypothesis picks the (site, month) pairs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.demo.farm import demo_data_generate
from apps.infrastructure.models import Site
from apps.recompute.run import batch_recompute
from apps.reports.monthly import ESTIMATED, TRANSFER_HANDLING, Month, report_rows, site_month_report

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)
CENT = Decimal("0.01")


@pytest.fixture
def demo_farm(db):
    summary = demo_data_generate(seed=3, preset="small", today=TODAY, truth_out=None, world="model")
    for batch_id in summary.batch_ids:
        batch_recompute(batch_id=batch_id, today=TODAY)
    return summary


def one(sql: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def rows(sql: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


STATES_AT_SITE = """
    FROM batch_actualdailyassignmentstate s JOIN infrastructure_container c ON c.id = s.container_id
    WHERE c.site_id = %s"""
TRANSFERS = """
    FROM batch_transferaction t
    JOIN batch_batchcontainerassignment sa ON sa.id = t.source_assignment_id
    JOIN infrastructure_container sc ON sc.id = sa.container_id
    JOIN batch_batchcontainerassignment da ON da.id = t.dest_assignment_id
    JOIN infrastructure_container dc ON dc.id = da.container_id
    LEFT JOIN batch_actualdailyassignmentstate ds ON ds.assignment_id = da.id AND ds.date = t.actual_execution_date
    WHERE t.status = 'COMPLETED' AND t.actual_execution_date BETWEEN %s AND %s"""


def truth(site_id: int, first: dt.date, last: dt.date, batch_id: int | None = None) -> dict:
    """The site's month (or one batch's part of it) summed in SQL, without the report's code."""
    eve = first - dt.timedelta(days=1)
    b = "" if batch_id is None else f" AND s.batch_id = {int(batch_id)}"
    ab = "" if batch_id is None else f" AND a.batch_id = {int(batch_id)}"
    tb = "" if batch_id is None else f" AND sa.batch_id = {int(batch_id)}"
    t = {}
    t["opening_fish"], t["opening_kg"] = one(
        f"SELECT COALESCE(SUM(population), 0), COALESCE(SUM(biomass_kg), 0) {STATES_AT_SITE} AND s.date = %s{b}",
        site_id,
        eve,
    )
    t["closing_fish"], t["closing_kg"] = one(
        f"SELECT COALESCE(SUM(population), 0), COALESCE(SUM(biomass_kg), 0) {STATES_AT_SITE} AND s.date = %s{b}",
        site_id,
        last,
    )
    t["state_deaths"], t["feed_kg"], t["dead_g"] = one(
        f"""SELECT COALESCE(SUM(mortality_count), 0), COALESCE(SUM(feed_kg), 0),
                   COALESCE(SUM(mortality_count * avg_weight_g), 0)
            {STATES_AT_SITE} AND s.date BETWEEN %s AND %s{b}""",
        site_id,
        first,
        last,
    )
    t["feeding_events_kg"] = one(
        f"""SELECT COALESCE(SUM(f.amount_kg), 0) FROM inventory_feedingevent f
            JOIN batch_batchcontainerassignment a ON a.id = f.assignment_id
            JOIN infrastructure_container c ON c.id = a.container_id
            WHERE c.site_id = %s AND f.feeding_date BETWEEN %s AND %s{ab}""",
        site_id,
        first,
        last,
    )[0]
    t["recorded"] = dict(
        rows(
            f"""SELECT m.cause, SUM(m.count) FROM batch_mortalityevent m
                JOIN batch_batchcontainerassignment a ON a.id = m.assignment_id
                JOIN infrastructure_container c ON c.id = a.container_id
                WHERE c.site_id = %s AND m.event_date BETWEEN %s AND %s{ab} GROUP BY m.cause""",
            site_id,
            first,
            last,
        )
    )
    t["harvested_fish"], t["harvested_kg"] = one(
        f"""SELECT COALESCE(SUM(h.left_fish), 0), COALESCE(SUM(h.biomass_kg * h.left_fish / h.population), 0)
            FROM (SELECT s.population, s.biomass_kg, GREATEST(0, s.population - COALESCE((
                     SELECT SUM(t.transferred_count + t.mortality_during_transfer) FROM batch_transferaction t
                     WHERE t.source_assignment_id = a.id AND t.status = 'COMPLETED'
                       AND t.actual_execution_date = a.departure_date), 0)) AS left_fish
                  FROM batch_actualdailyassignmentstate s
                  JOIN batch_batchcontainerassignment a ON a.id = s.assignment_id
                  JOIN infrastructure_container c ON c.id = a.container_id
                  WHERE c.site_id = %s AND a.departure_date BETWEEN %s AND %s
                    AND s.date = a.departure_date - 1{b}) h WHERE h.left_fish > 0""",
        site_id,
        first,
        last,
    )
    t["stocked_fish"], t["stocked_kg"] = one(
        f"""SELECT COALESCE(SUM(a.placement_count), 0),
                   COALESCE(SUM(a.placement_count * COALESCE(a.placement_avg_weight_g, fs.avg_weight_g) / 1000), 0)
            FROM batch_batchcontainerassignment a
            JOIN infrastructure_container c ON c.id = a.container_id
            LEFT JOIN batch_actualdailyassignmentstate fs ON fs.assignment_id = a.id AND fs.date = a.assignment_date
            WHERE c.site_id = %s AND a.assignment_date BETWEEN %s AND %s AND a.placement_count IS NOT NULL{ab}
              AND NOT EXISTS (SELECT 1 FROM batch_transferaction t
                              WHERE t.dest_assignment_id = a.id AND t.status = 'COMPLETED')""",
        site_id,
        first,
        last,
    )
    t["surplus_moved"] = one(
        f"""SELECT COALESCE(SUM(GREATEST(0, m.moved - s.population)), 0)
            FROM (SELECT t.source_assignment_id AS id, SUM(t.transferred_count + t.mortality_during_transfer) AS moved
                  FROM batch_transferaction t JOIN batch_batchcontainerassignment a ON a.id = t.source_assignment_id
                  WHERE t.status = 'COMPLETED' AND t.actual_execution_date = a.departure_date
                  GROUP BY t.source_assignment_id) m
            JOIN batch_batchcontainerassignment a ON a.id = m.id
            JOIN infrastructure_container c ON c.id = a.container_id
            JOIN batch_actualdailyassignmentstate s ON s.assignment_id = a.id AND s.date = a.departure_date - 1
            WHERE c.site_id = %s AND a.departure_date BETWEEN %s AND %s{ab}""",
        site_id,
        first,
        last,
    )[0]
    db = "" if batch_id is None else f" AND da.batch_id = {int(batch_id)}"
    t["in_fish"], t["in_kg"] = one(
        f"""SELECT COALESCE(SUM(t.transferred_count), 0),
                   COALESCE(SUM(t.transferred_count * COALESCE(ds.avg_weight_g, 0) / 1000), 0)
            {TRANSFERS} AND dc.site_id = %s AND sc.site_id <> dc.site_id{db}""",
        first,
        last,
        site_id,
    )
    t["out_fish"], t["out_kg"] = one(
        f"""SELECT COALESCE(SUM(t.transferred_count), 0),
                   COALESCE(SUM(t.transferred_count * COALESCE(ds.avg_weight_g, 0) / 1000), 0)
            {TRANSFERS} AND sc.site_id = %s AND sc.site_id <> dc.site_id{tb}""",
        first,
        last,
        site_id,
    )
    t["handling_fish"], t["handling_kg"] = one(
        f"""SELECT COALESCE(SUM(t.mortality_during_transfer), 0),
                   COALESCE(SUM(t.mortality_during_transfer * COALESCE(ds.avg_weight_g, 0) / 1000), 0)
            {TRANSFERS} AND sc.site_id = %s{tb}""",
        first,
        last,
        site_id,
    )
    return t


def kg(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def assert_agrees(flows, t: dict) -> None:
    assert flows.opening_fish == t["opening_fish"] and kg(flows.opening_biomass_kg) == kg(t["opening_kg"])
    assert flows.closing_fish == t["closing_fish"] and kg(flows.closing_biomass_kg) == kg(t["closing_kg"])
    assert flows.feed_kg == t["feed_kg"] == t["feeding_events_kg"]  # the states' feed is the recorded feed
    assert flows.harvested_fish == t["harvested_fish"] and kg(flows.harvested_biomass_kg) == kg(t["harvested_kg"])
    assert flows.stocked_fish == t["stocked_fish"] and kg(flows.stocked_biomass_kg) == kg(t["stocked_kg"])
    assert flows.transfers_in_fish == t["in_fish"] and kg(flows.transfers_in_biomass_kg) == kg(t["in_kg"])
    assert flows.transfers_out_fish == t["out_fish"] and kg(flows.transfers_out_biomass_kg) == kg(t["out_kg"])
    recorded = sum(t["recorded"].values())
    for cause, count in t["recorded"].items():
        assert flows.deaths[cause] == count
    assert flows.deaths[ESTIMATED] == t["state_deaths"] - recorded
    assert flows.deaths[TRANSFER_HANDLING] == t["handling_fish"]
    assert flows.deaths_fish == t["state_deaths"] + t["handling_fish"]
    assert kg(flows.dead_biomass_kg) == kg(Decimal(t["dead_g"]) / 1000 + t["handling_kg"])
    # the fish balance, from the SQL sums alone. It is off only where a transfer on its source's departure day
    # moved more fish than the source's last state held (the model's estimated deaths on days without a record,
    # which the generated farm's fish did not die): those fish appear at the destination from nowhere.
    ins = t["stocked_fish"] + t["in_fish"]
    outs = t["out_fish"] + t["harvested_fish"] + t["state_deaths"] + t["handling_fish"]
    assert t["closing_fish"] - (t["opening_fish"] + ins - outs) == t["surplus_moved"] == flows.difference_fish
    # the FCRs from the SQL sums, by the document's definitions
    production = (
        Decimal(t["closing_kg"])
        - Decimal(t["opening_kg"])
        + t["out_kg"]
        + t["harvested_kg"]
        - t["in_kg"]
        - t["stocked_kg"]
    )
    if production > 0 and t["feed_kg"] > 0:
        assert flows.economic_fcr == pytest.approx(Decimal(t["feed_kg"]) / production, abs=Decimal("0.001"))
    else:
        assert flows.economic_fcr is None
    grown = production + Decimal(t["dead_g"]) / 1000 + t["handling_kg"]
    if grown > 0 and t["feed_kg"] > 0:
        assert flows.biological_fcr == pytest.approx(Decimal(t["feed_kg"]) / grown, abs=Decimal("0.001"))


def farm_months(summary) -> list[Month]:
    first = one("SELECT MIN(date) FROM batch_actualdailyassignmentstate")[0]
    months, month = [], Month(first.year, first.month)
    while month.last <= TODAY:  # the farm's complete months (its "today" is TODAY, not the machine's)
        months.append(month)
        month = month.next()
    return months


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_report_agrees_with_sums_of_the_states_and_events(demo_farm, data):
    sites = list(Site.objects.order_by("id"))
    site = data.draw(st.sampled_from(sites), label="site")
    month = data.draw(st.sampled_from(farm_months(demo_farm)), label="month")
    report = site_month_report(site=site, month=month)
    assert_agrees(report.total, truth(site.pk, month.first, month.last))
    for row in report.batches:
        assert_agrees(row.flows, truth(site.pk, month.first, month.last, batch_id=row.batch_id))
    assert len(report_rows(report)) == len(report.batches) + 1


def test_a_month_with_fish_moving_in_and_out_shows_them(demo_farm):
    """The property above is not vacuous: over the farm's months, every kind of flow appears somewhere."""
    seen = dict.fromkeys(("opening", "stocked", "in", "out", "harvested", "recorded", "estimated", "feed"), False)
    for site in Site.objects.all():
        for month in farm_months(demo_farm):
            f = site_month_report(site=site, month=month).total
            seen["opening"] |= f.opening_fish > 0
            seen["stocked"] |= f.stocked_fish > 0
            seen["in"] |= f.transfers_in_fish > 0
            seen["out"] |= f.transfers_out_fish > 0
            seen["harvested"] |= f.harvested_fish > 0
            seen["recorded"] |= sum(f.deaths[c] for c in f.deaths if c not in (ESTIMATED, TRANSFER_HANDLING)) > 0
            seen["estimated"] |= f.deaths[ESTIMATED] > 0
            seen["feed"] |= f.feed_kg > 0
    assert all(seen.values()), seen
