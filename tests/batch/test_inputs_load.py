"""Load once, then compute: ``batch_inputs_load`` reads everything a recompute computes from in a fixed number of
queries, whatever the batch's size, and ``batch_compute`` then reads nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from apps.batch.services.inputs import batch_inputs_load
from apps.batch.services.recompute import batch_compute
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import GrowthSampleFactory, MortalityEventFactory

pytestmark = pytest.mark.django_db

# the sparse load (10): the batch, its scenario with its models, the species' stages, the profile's days, the TGC
# and mortality stage overrides, the assignments, the completed transfers, the growth samples, the weighed
# treatments; the stored rows to restart from (1); deaths, feed and temperatures (3)
FULL_LOAD_QUERIES = 14


def loaded_queries(batch_id: int, from_dates=None, today=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        batch_inputs_load(batch_id=batch_id, today=today or START + dt.timedelta(days=400), from_dates=from_dates)
    return len(queries.captured_queries)


def with_records(days: int):
    """The two-tank farm over ``days`` days with a sample and a death every week in each tank."""
    scenario, source, dest, _ = farm_with_transfer(days=days)
    for tank in (source, dest):
        first, last = tank.assignment_date, tank.departure_date
        for offset in range(1, (last - first).days, 7):
            day = first + dt.timedelta(days=offset)
            GrowthSampleFactory(assignment=tank, sample_date=day, avg_weight_g=Decimal("100") + offset)
            MortalityEventFactory(assignment=tank, event_date=day, count=3)
    return scenario, source, dest


def test_a_full_load_takes_the_same_queries_for_a_short_and_a_long_batch(salmon):
    short, _, _ = with_records(days=60)
    long, _, _ = with_records(days=360)
    assert loaded_queries(short.batch_id) == loaded_queries(long.batch_id) == FULL_LOAD_QUERIES


def test_a_windowed_load_takes_the_same_queries_as_a_full_one(salmon):
    scenario, source, dest = with_records(days=120)
    assert batch_recompute(batch_id=scenario.batch_id, today=START + dt.timedelta(days=400)).ok
    window = {dest.pk: dest.assignment_date + dt.timedelta(days=40)}
    assert loaded_queries(scenario.batch_id, window) == FULL_LOAD_QUERIES


def test_the_computation_reads_nothing_once_loaded(salmon, django_assert_num_queries):
    scenario, source, dest = with_records(days=120)
    inputs = batch_inputs_load(batch_id=scenario.batch_id, today=START + dt.timedelta(days=400), from_dates=None)
    with django_assert_num_queries(0):
        writes, errors = batch_compute(inputs)
    assert not errors
    assert [(w.assignment_id, len(w.rows)) for w in writes] == [(source.pk, 29), (dest.pk, 91)]


def test_the_temperature_query_reused_for_any_windows_is_the_orms_own():
    """The temperature SQL is built by the ORM once per number of windows and reused with other windows' values:
    SQL and parameters equal what the ORM builds for those windows."""
    from django.utils import timezone

    from apps.batch.services import loading, queries

    def day(n: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(START + dt.timedelta(days=n), dt.time.min))

    queries._REUSED_SQL.clear()
    cases = [
        [(7, day(0), day(30))],
        [(3, day(5), day(9))],
        [(1, day(0), day(10)), (2, day(3), day(40))],
        [(9, day(1), day(2)), (4, day(60), day(90))],
        [(5, day(0), day(1)), (5, day(20), day(25)), (8, day(2), day(3))],
        [(6, day(10), day(11)), (6, day(12), day(13)), (6, day(14), day(15))],
    ]
    for windows in cases:
        queryset = loading._temperature_queryset(windows)
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        assert loading.temperature_query(windows) == (sql, list(params))
    assert sorted(n for _, n, _ in queries._REUSED_SQL) == [1, 2, 3]


@pytest.mark.parametrize(
    "build", ["_assignments_queryset", "_completed_transfers_queryset", "_samples_queryset", "_weighings_queryset"]
)
def test_the_sparse_queries_compiled_once_return_what_the_orm_returns(build):
    """Compiled once for a placeholder id, then run for each batch: the rows the ORM's own query returns."""
    from apps.batch.services import loading, queries
    from tests.factories import TreatmentFactory

    batches = []
    for days in (40, 70):
        scenario, source, dest = with_records(days)
        TreatmentFactory(
            assignment=dest,
            treatment_date=dest.assignment_date,
            includes_weighing=True,
            weighed_count=20,
            weighed_avg_weight_g=Decimal("210.5"),
        )
        batches.append(scenario.batch_id)
    builder = getattr(loading, build)
    for batch_id in batches:
        rows, orm_rows = sorted(queries.rows_for_id(builder, batch_id)), sorted(builder(batch_id))
        assert rows and rows == orm_rows
        assert [[type(v) for v in row] for row in rows] == [[type(v) for v in row] for row in orm_rows]
    assert queries._SQL_FOR_ID.get(builder) is not None or connection.vendor != "postgresql"


def test_the_daily_sums_reused_for_other_assignments_are_the_orms_own():
    from apps.batch.models import MortalityEvent
    from apps.batch.services import loading, queries
    from apps.inventory.models import FeedingEvent

    queries._REUSED_SQL.clear()
    _, source, dest = with_records(60)
    _, other_source, other_dest = with_records(50)
    for ids, since in (([source.pk, dest.pk], START), ([other_dest.pk, other_source.pk], START + dt.timedelta(9))):
        for model, date_field, value_field in (
            (MortalityEvent, "event_date", "count"),
            (FeedingEvent, "feeding_date", "amount_kg"),
        ):
            queryset = (
                model.objects.filter(assignment_id__in=ids, **{f"{date_field}__gte": since})
                .values_list("assignment_id", date_field)
                .annotate(total=Sum(value_field))
                .order_by()
            )
            sql, params = queryset.query.get_compiler(queryset.db).as_sql()
            key = ("daily sums", model._meta.label, date_field, value_field, len(ids))
            assert queries.reused_query(key, lambda q=queryset: q, [*ids, since]) == (sql, list(params))
    deaths = loading._daily_sums(MortalityEvent, "event_date", "count", [other_source.pk], START, int)
    assert deaths[other_source.pk] and all(v == 3 for v in deaths[other_source.pk].values())


@pytest.mark.parametrize(
    "build, of, some",
    [
        ("_stages_queryset", lambda scenario: scenario.batch.species_id, True),
        ("_profile_queryset", lambda scenario: scenario.tgc_model.profile_id, True),
        ("_tgc_overrides_queryset", lambda scenario: scenario.tgc_model_id, False),
        ("_mortality_overrides_queryset", lambda scenario: scenario.mortality_model_id, False),
    ],
)
def test_the_scenario_queries_compiled_once_return_what_the_orms_return(salmon, build, of, some):
    from apps.batch.services import queries, scenario_params

    builder = getattr(scenario_params, build)
    for days in (40, 70):
        scenario, _, _ = with_records(days)
        pk = of(scenario)
        rows, orm_rows = sorted(queries.rows_for_id(builder, pk)), sorted(builder(pk))
        assert rows == orm_rows and (bool(rows) or not some)
        assert [[type(v) for v in row] for row in rows] == [[type(v) for v in row] for row in orm_rows]
