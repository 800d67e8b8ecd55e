"""Segments and projections are written by the recompute that writes the states, in its transaction."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apps.batch.models import ActualDailyAssignmentState, GrowthSample
from apps.forecast.models import GrowthSegment, Projection
from apps.forecast.selectors import projection_for_batch
from apps.forecast.services import SEGMENT_COLUMNS
from apps.infrastructure.models import Container, Site
from apps.recompute.run import batch_recompute
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    GrowthSampleFactory,
    ScenarioFactory,
    SiteFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    reading,
)

pytestmark = pytest.mark.django_db
START = dt.date(2024, 1, 1)
TODAY = START + dt.timedelta(days=40)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


@pytest.fixture
def tank(salmon):
    """10,000 fish placed at 100 g on day 1 in a sea pen (they take the sea stage past 180 g, docs/engine.md §4),
    10 °C every day by the profile, TGC 2.5, a 150 g sample on day 21."""
    tgc = TGCModelFactory(profile=TemperatureProfileFactory(days={1: 10.0}), tgc_value=2.5)
    scenario = ScenarioFactory(tgc_model=tgc, batch__start_date=START)
    pen = ContainerFactory(site=SiteFactory(kind=Site.Kind.SEA), kind=Container.Kind.PEN)
    assignment = AssignmentFactory(batch=scenario.batch, assignment_date=START, container=pen)
    GrowthSampleFactory(assignment=assignment, sample_date=day(21), avg_weight_g=Decimal("150.00"))
    return assignment


def segment_fields(assignment_id):
    return list(
        GrowthSegment.objects.filter(assignment_id=assignment_id)
        .order_by("end_date")
        .values_list(
            "start_date",
            "end_date",
            "days",
            "degree_days",
            "start_weight_g",
            "end_weight_g",
            "realised_tgc",
            "scenario_tgc",
            "performance_ratio",
            "deaths",
            "biological_fcr",
        )
    )


def projection_fields(assignment_id):
    return (
        Projection.objects.filter(assignment_id=assignment_id)
        .values_list(
            "as_of_date",
            "performance_ratio",
            "performance_sd",
            "temp_bias_c",
            "start_population",
            "mortality_daily_rate",
            "harvest_date",
            "series",
        )
        .get()
    )


def test_a_recompute_writes_the_segment_to_the_sample_with_hand_computed_figures(tank):
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    [segment] = GrowthSegment.objects.filter(assignment=tank)
    # the cube root rises linearly from 100^(1/3) = 4.64159 to 150^(1/3) = 5.31329 over days 1-21 (constant
    # temperature): the end of day 1 is 4.64159 + 0.67170 / 21 = 4.67358 (102.08 g stored); 20 days x 10 °C follow
    assert (segment.start_date, segment.end_date, segment.days, segment.degree_days) == (day(1), day(21), 20, 200.0)
    assert segment.start_weight_g == pytest.approx(102.08, abs=0.01) and segment.end_weight_g == 150.0
    assert segment.realised_tgc == pytest.approx(1000 * (5.31329 - 4.67358) / 200, abs=1e-3)  # 3.1986
    assert segment.scenario_tgc == 2.5
    assert segment.performance_ratio == pytest.approx(3.1986 / 2.5, abs=1e-3)  # 1.2794
    deaths = sum(
        ActualDailyAssignmentState.objects.filter(assignment=tank, date__gt=day(1), date__lte=day(21)).values_list(
            "mortality_count", flat=True
        )
    )
    assert segment.deaths == deaths > 0  # model deaths, 0.05 %/day
    assert segment.biological_fcr is None  # no feed recorded


def test_a_recompute_writes_the_projection_from_the_latest_state_with_this_assignments_performance(tank):
    batch_recompute(batch_id=tank.batch_id, today=TODAY)
    projection = Projection.objects.get(assignment=tank)
    assert projection.as_of_date == TODAY and projection.first_date == TODAY + dt.timedelta(days=1)
    assert projection.days == 400  # the scenario runs 900 days; the horizon is capped by FORECAST_MAX_HORIZON_DAYS
    # one weighing: the fit takes the level from it and the ratio from its prior, the batch's segments (this one)
    assert projection.performance_source == "fit" and projection.performance_ratio == pytest.approx(1.2794, abs=1e-3)
    # the closed form from the 150 g sample on day 21: the cube root rises by ratio x 0.0025 x 10 °C a day (no
    # measured temperature: no bias), 20 days to TODAY and 30 more
    x = 150 ** (1 / 3) + projection.performance_ratio * 0.0025 * 10 * (20 + 30)
    assert projection.series["weight_g"]["p50"][29] == pytest.approx(x**3, abs=0.05)
    p10, p50, p90 = (projection.series["weight_g"][k][29] for k in ("p10", "p50", "p90"))
    assert p10 < p50 < p90
    last = ActualDailyAssignmentState.objects.get(assignment=tank, date=TODAY)
    assert projection.series["stage_changes"][0] == [0, last.lifecycle_stage_id]  # post-smolt: past 180 g
    # read: the population follows the death rate of the last 30 days (model deaths here), the total sums the one tank
    body = projection_for_batch(batch_id=tank.batch_id)
    [one] = body["assignments"]
    rate = projection.mortality_daily_rate
    assert one["series"]["population"]["p50"][29] == round(last.population * (1 - rate) ** 30)
    assert one["series"]["biomass_kg"]["p50"][29] == pytest.approx(
        last.population * (1 - rate) ** 30 * projection.series["weight_g"]["p50"][29] / 1000, abs=0.2
    )
    assert body["total"]["series"]["biomass_kg"]["p50"][:5] == one["series"]["biomass_kg"]["p50"][:5]


def test_a_new_growth_sample_moves_the_projection_in_the_same_recompute(tank):
    batch_recompute(batch_id=tank.batch_id, today=TODAY)
    before = Projection.objects.get(assignment=tank)
    GrowthSampleFactory(assignment=tank, sample_date=day(36), avg_weight_g=Decimal("200.00"))
    assert batch_recompute(batch_id=tank.batch_id, from_dates={tank.pk: day(36)}, today=TODAY).ok
    after = Projection.objects.get(assignment=tank)
    assert after.computed_at > before.computed_at
    assert after.performance_ratio > before.performance_ratio  # 150 g to 200 g in 15 days grows faster
    assert after.series["weight_g"]["p50"][0] > before.series["weight_g"]["p50"][0]
    assert [s[1] for s in segment_fields(tank.pk)] == [day(21), day(36)]


def test_a_windowed_recompute_writes_the_segments_a_full_one_does(tank):
    GrowthSampleFactory(assignment=tank, sample_date=day(31), avg_weight_g=Decimal("175.00"))
    batch_recompute(batch_id=tank.batch_id, today=TODAY)
    GrowthSampleFactory(assignment=tank, sample_date=day(38), avg_weight_g=Decimal("200.00"))
    batch_recompute(batch_id=tank.batch_id, from_dates={tank.pk: day(38)}, today=TODAY)  # restarts on day 31
    windowed = segment_fields(tank.pk), projection_fields(tank.pk)
    batch_recompute(batch_id=tank.batch_id, today=TODAY)  # reads its segments and rows from memory
    assert (segment_fields(tank.pk), projection_fields(tank.pk)) == windowed and len(windowed[0]) == 3


def test_a_departed_assignment_has_segments_but_no_projection(tank):
    tank.departure_date = day(30)
    tank.save()
    batch_recompute(batch_id=tank.batch_id, today=TODAY)
    assert GrowthSegment.objects.filter(assignment=tank).count() == 1
    assert not Projection.objects.filter(batch_id=tank.batch_id).exists()


@pytest.fixture
def three_tanks(tank):
    """The tank and two more of the same batch, weighed on other days: each one's projection uses the batch's
    segments (all three tanks') as its prior, and one of them has measured temperatures (a bias)."""
    others = [AssignmentFactory(batch=tank.batch, assignment_date=START) for _ in range(2)]
    for assignment, days, grams in (
        (others[0], (14, 28), ("130.00", "170.00")),
        (others[1], (18, 33), ("140.00", "190.00")),
    ):
        for n, g in zip(days, grams):
            GrowthSampleFactory(assignment=assignment, sample_date=day(n), avg_weight_g=Decimal(g))
    for n in range(25, 41):
        reading(others[1].container, dt.datetime.combine(day(n), dt.time(12), tzinfo=dt.UTC), 11.5)
    return [tank, *others]


def all_projections(batch_id):
    return {
        a: projection_fields(a)
        for a in Projection.objects.filter(batch_id=batch_id).values_list("assignment_id", flat=True)
    }


def test_a_windowed_recompute_of_one_tank_rewrites_every_projection_as_a_full_recompute_does(three_tanks):
    tank = three_tanks[0]
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    before = all_projections(tank.batch_id)
    GrowthSampleFactory(assignment=tank, sample_date=day(38), avg_weight_g=Decimal("190.00"))
    assert batch_recompute(batch_id=tank.batch_id, from_dates={tank.pk: day(38)}, today=TODAY).ok
    windowed = all_projections(tank.batch_id)
    # the new sample changed the batch's performance, so the other tanks' projections (their prior) moved too
    assert len(windowed) == 3 and all(windowed[a][1:4] != before[a][1:4] for a in windowed)
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok  # the other path: from memory
    assert all_projections(tank.batch_id) == windowed


def test_the_single_round_trip_reads_equal_the_orm_reads(three_tanks):
    from apps.batch.services.loading import batch_data_load
    from apps.forecast.services import projections

    batch_id = three_tanks[0].batch_id
    assert batch_recompute(batch_id=batch_id, today=TODAY).ok
    data = batch_data_load(batch_id=batch_id, today=TODAY)
    candidates = [a for a in data.assignments if a.first_day <= a.last_day]
    latest = max(a.last_day for a in candidates)
    evidence, rows = projections._evidence_and_recent_rows(batch_id, candidates, latest=latest)
    orm_evidence = projections._segment_evidence(
        batch_id, since=latest - dt.timedelta(days=projections.FIT_WINDOW_DAYS)
    )
    since = {a.id: projections.rows_since(orm_evidence.get(a.id, []), a.last_day) for a in candidates}
    by_end = lambda found: {a: sorted(e, key=lambda s: s.end_date) for a, e in found.items()}  # noqa: E731
    assert by_end(evidence) == by_end(orm_evidence) and sum(map(len, evidence.values())) == 5
    assert rows == projections._recent_rows(candidates, since)
    assert sorted(len(r) for r in rows.values()) == [30, 30, 30]  # the last weighings are within 30 days


@pytest.mark.parametrize("binding", ["client", "server"])
def test_fetch_sets_returns_each_statements_rows_in_one_or_several_round_trips(db, binding):
    import psycopg
    from django.db import connection
    from django.db.backends.utils import CursorWrapper

    from aquamind.db import fetch_sets

    if connection.vendor != "postgresql":
        pytest.skip("psycopg's cursors: PostgreSQL only")
    connection.ensure_connection()
    cursor_class = psycopg.ClientCursor if binding == "client" else psycopg.Cursor
    cursor = CursorWrapper(cursor_class(connection.connection), connection)
    statements = ["SELECT %s::int + 1", "CREATE TEMPORARY TABLE t (x int)", "SELECT n FROM generate_series(1, %s) n"]
    assert fetch_sets(cursor, statements, [41, 3]) == [[(42,)], [], [(1,), (2,), (3,)]]
    named = ["SELECT %(a)s::int", "SELECT %(a)s::int * %(b)s::int"]
    assert fetch_sets(cursor, named, {"a": 6, "b": 7}) == [[(6,)], [(42,)]]


def test_fetch_sets_inside_a_history_context_returns_its_own_statements_rows(db):
    """Regression (issue 20 merge): pghistory puts its context in front of every statement of a tracked request or
    task, an extra result set first; the forecast's one-round-trip reads took it for theirs and every drain run
    by a worker failed ("not enough values to unpack")."""
    import pghistory
    from django.db import connection

    from aquamind.db import fetch_sets

    if connection.vendor != "postgresql":
        pytest.skip("pghistory's context: PostgreSQL only")
    with pghistory.context(channel="test"), connection.cursor() as cursor:
        assert fetch_sets(cursor, ["SELECT 1", "SELECT 2, 3"], []) == [[(1,)], [(2, 3)]]


SEGMENT_VALUES = [c for c in SEGMENT_COLUMNS if c != "computed_at"]


def segments_stored(batch_id):
    """{(assignment, end day): (id, every value but computed_at)}"""
    rows = GrowthSegment.objects.filter(batch_id=batch_id).values_list("id", *SEGMENT_VALUES)
    return {(row[2], row[4]): (row[0], row[1:]) for row in rows}


def segments_rewritten(batch_id):
    """The values a full recompute writes into an empty segment table (rolled back: nothing stays)."""
    with transaction.atomic():
        GrowthSegment.objects.filter(batch_id=batch_id).delete()
        assert batch_recompute(batch_id=batch_id, today=TODAY).ok
        values = {key: value for key, (_, value) in segments_stored(batch_id).items()}
        transaction.set_rollback(True)
    return values


@hypothesis_settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, 2),  # which tank
            st.integers(2, 40),  # the sample's day
            st.one_of(st.none(), st.integers(105, 260)),  # its weight (g), or None: no sample that day
            st.booleans(),  # windowed from that day, or full
        ),
        min_size=1,
        max_size=5,
    )
)
def test_segments_left_in_place_equal_a_rewrite_and_only_changed_ones_are_written(three_tanks, edits):
    """A recompute compares the segments with the stored ones and writes only those that differ (docs/forecast.md
    "Segments"): what is stored afterwards equals a full rewrite into an empty table, whatever was weighed,
    re-weighed or deleted, and a segment whose values did not move keeps its row (its id)."""
    from django.db import connection

    kept = connection.vendor == "postgresql"  # elsewhere the segments a write replaces are all rewritten
    batch_id = three_tanks[0].batch_id
    assert batch_recompute(batch_id=batch_id, today=TODAY).ok
    for which, n, grams, windowed in edits:
        before = segments_stored(batch_id)
        assignment = three_tanks[which]
        GrowthSample.objects.filter(assignment=assignment, sample_date=day(n)).delete()
        if grams is not None:
            GrowthSampleFactory(assignment=assignment, sample_date=day(n), avg_weight_g=Decimal(grams))
        from_dates = {assignment.pk: day(n)} if windowed else None
        assert batch_recompute(batch_id=batch_id, from_dates=from_dates, today=TODAY).ok
        after = segments_stored(batch_id)
        assert {key: value for key, (_, value) in after.items()} == segments_rewritten(batch_id)
        for key, (segment_id, values) in after.items():
            if kept and key in before and before[key][1] == values:
                assert segment_id == before[key][0], key
    # nothing changed: nothing is rewritten
    before = segments_stored(batch_id)
    assert batch_recompute(batch_id=batch_id, today=TODAY).ok
    after = segments_stored(batch_id)
    assert after == before if kept else {k: v for k, (_, v) in after.items()} == {k: v for k, (_, v) in before.items()}
