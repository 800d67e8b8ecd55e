"""A backfill that keeps unchanged assignments (``batch_recompute(keep_unchanged=True)``, what ``farm_backfill``
runs) stores exactly what a plain full recompute stores, records the same history moves, rewrites only the
assignments whose rows change, and runs a farm's batches over threads of one process with the same result."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from apps.audit.context import _active, history_context
from apps.audit.models import StateMove
from apps.batch.models import ActualDailyAssignmentState, GrowthSample, RecomputeMarker, RecomputeRun
from apps.recompute.parallel import farm_backfill, map_batches_threaded
from apps.recompute.run import batch_recompute
from apps.recompute.signals import recompute_signals_muted
from tests.batch.scenarios import START, farm_with_transfer, state_rows
from tests.factories import GrowthSampleFactory

TODAY = START + dt.timedelta(days=59)
STATE_TABLE = ActualDailyAssignmentState._meta.db_table

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the saver compares with the stored rows on PostgreSQL only"
)


def computed_at(batch_id: int) -> dict[tuple[int, dt.date], dt.datetime]:
    rows = ActualDailyAssignmentState.objects.filter(batch_id=batch_id)
    return {(a, d): at for a, d, at in rows.values_list("assignment_id", "date", "last_computed_at")}


def run_moves(run_id: int) -> dict[int, dict]:
    return {m.assignment_id: m.days for m in StateMove.objects.filter(run_id=run_id)}


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def computed_farm(salmon):
    """One batch (a source moved into a destination on day 30) with a sample, computed once."""
    scenario, source, dest, _ = farm_with_transfer(days=60, transfer_day=30)
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=9), avg_weight_g=Decimal("120"))
    assert batch_recompute(batch_id=scenario.batch_id, today=TODAY).ok
    RecomputeMarker.objects.all().delete()
    return scenario.batch_id, source, dest


@postgres_only
def test_a_backfill_over_unchanged_rows_writes_nothing_and_keeps_their_computation_time(computed_farm):
    batch_id, _, _ = computed_farm
    rows, stamps = state_rows(batch_id), computed_at(batch_id)

    summary = batch_recompute(batch_id=batch_id, today=TODAY, keep_unchanged=True)

    assert summary.ok and summary.assignments == 2 and summary.rows == 0 and summary.moves == []
    assert RecomputeRun.objects.get(pk=summary.run_id).rows_written == 0
    assert state_rows(batch_id) == rows and computed_at(batch_id) == stamps


@postgres_only
def test_after_an_unsignalled_change_only_the_assignment_it_moves_is_rewritten(computed_farm):
    """A sample of the destination changed by ``QuerySet.update`` (no signal, no marker): the backfill
    rewrites the destination, leaves the source alone, and stores what a plain full recompute stores."""
    batch_id, source, dest = computed_farm
    GrowthSampleFactory(assignment=dest, sample_date=START + dt.timedelta(days=44), avg_weight_g=Decimal("300"))
    assert batch_recompute(batch_id=batch_id, today=TODAY).ok
    before = computed_at(batch_id)
    GrowthSample.objects.filter(assignment=dest).update(avg_weight_g=Decimal("330"))

    summary = batch_recompute(batch_id=batch_id, today=TODAY, keep_unchanged=True)

    after = computed_at(batch_id)
    dest_days = [key for key in after if key[0] == dest.pk]
    assert summary.rows == len(dest_days) == 31
    assert all(after[key] == before[key] for key in after if key[0] == source.pk)
    assert all(after[key] > before[key] for key in dest_days)
    kept = state_rows(batch_id)
    assert batch_recompute(batch_id=batch_id, today=TODAY).rows == 60  # a plain full recompute rewrites all
    assert state_rows(batch_id) == kept


@postgres_only
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(f"UPDATE {STATE_TABLE} SET population = population - 5 WHERE date = %s", id="a value"),
        pytest.param(f"UPDATE {STATE_TABLE} SET temp_c = temp_c + 0.01 WHERE date = %s", id="a rounded value"),
        pytest.param(f"UPDATE {STATE_TABLE} SET observed_fcr = 1.234 WHERE date = %s", id="a null set"),
        pytest.param(f"UPDATE {STATE_TABLE} SET anchor_type = 'vaccination' WHERE date = %s", id="a text"),
        pytest.param(
            f'UPDATE {STATE_TABLE} SET sources = sources || \'{{"weight": "other"}}\' WHERE date = %s',
            id="a JSON value",
        ),
        pytest.param(f"DELETE FROM {STATE_TABLE} WHERE date = %s", id="a missing row"),
        pytest.param(
            f"INSERT INTO {STATE_TABLE} (date, day_number, avg_weight_g, population, biomass_kg, temp_c, "
            "mortality_count, feed_kg, sources, confidence_scores, last_computed_at, container_id, batch_id, "
            "assignment_id, lifecycle_stage_id) SELECT date + 400, day_number, avg_weight_g, population, "
            "biomass_kg, temp_c, mortality_count, feed_kg, sources, confidence_scores, last_computed_at, "
            f"container_id, batch_id, assignment_id, lifecycle_stage_id FROM {STATE_TABLE} WHERE date = %s",
            id="a row outside the assignment's days",
        ),
    ],
)
def test_any_difference_in_the_stored_rows_rewrites_the_assignment_as_a_full_recompute_would(computed_farm, tamper):
    batch_id, source, _ = computed_farm
    expected = state_rows(batch_id)
    raw(tamper, [START + dt.timedelta(days=4)])  # day 5: the source's
    assert state_rows(batch_id) != expected

    summary = batch_recompute(batch_id=batch_id, today=TODAY, keep_unchanged=True)

    assert summary.rows == 29  # the source rewritten whole, the destination kept
    assert state_rows(batch_id) == expected


@postgres_only
def test_the_history_moves_are_those_a_plain_full_recompute_records(computed_farm):
    """From the same stored rows and inputs, the keeping backfill and a plain recompute record the same moves."""
    batch_id, source, dest = computed_farm
    GrowthSample.objects.filter(assignment=source).update(avg_weight_g=Decimal("135"))
    snapshot = list(ActualDailyAssignmentState.objects.filter(batch_id=batch_id))

    kept = batch_recompute(batch_id=batch_id, today=TODAY, keep_unchanged=True)
    kept_rows, kept_moves = state_rows(batch_id), run_moves(kept.run_id)
    ActualDailyAssignmentState.objects.filter(batch_id=batch_id).delete()
    ActualDailyAssignmentState.objects.bulk_create(snapshot)
    plain = batch_recompute(batch_id=batch_id, today=TODAY)

    assert kept_moves and set(kept_moves) <= {source.pk, dest.pk}
    assert kept_moves == run_moves(plain.run_id)
    assert kept_rows == state_rows(batch_id)


@pytest.mark.django_db(transaction=True)
def test_one_process_backfills_over_threads_what_plain_recomputes_store(salmon):
    """Three batches, one changed behind the recompute's back: a one-process backfill (two threads) stores what
    a plain full recompute of each stores, and summarises every batch."""
    batches = []
    for days, weight in ((60, "120"), (45, "130"), (30, "110")):
        scenario, source, _dest, _ = farm_with_transfer(days=days, transfer_day=days // 2)
        GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=9), avg_weight_g=Decimal(weight))
        batches.append(scenario.batch_id)
    for batch_id in batches:
        assert batch_recompute(batch_id=batch_id, today=TODAY).ok
    RecomputeMarker.objects.all().delete()
    GrowthSample.objects.filter(assignment__batch_id=batches[1]).update(avg_weight_g=Decimal("150"))
    raw(f"UPDATE {STATE_TABLE} SET population = population + 1 WHERE batch_id = %s", [batches[2]])

    summaries = farm_backfill(batch_ids=batches, today=TODAY, workers=1, threads=2)
    backfilled = {b: state_rows(b) for b in batches}
    for batch_id in batches:
        assert batch_recompute(batch_id=batch_id, today=TODAY).ok

    assert sorted(summaries) == sorted(batches) and all(s.ok for s in summaries.values())
    assert backfilled == {b: state_rows(b) for b in batches} and all(backfilled.values())
    if connection.vendor == "postgresql":
        assert summaries[batches[0]].rows == 0 and summaries[batches[1]].rows > 0 and summaries[batches[2]].rows > 0


@pytest.mark.django_db(transaction=True)
def test_a_backfill_waits_for_a_recompute_in_progress_and_keeps_its_result(salmon):
    """A recompute of a new sample holds the batch (its rows written, not committed) when the backfill
    starts: the backfill waits for the lock, then reads the committed sample and rows, and its result is a
    plain full recompute's — the concurrent recompute's work is not lost or undone."""
    scenario, source, _dest, _ = farm_with_transfer(days=60, transfer_day=30)
    batch_id = scenario.batch_id
    assert batch_recompute(batch_id=batch_id, today=TODAY).ok
    RecomputeMarker.objects.all().delete()
    holding, release, done = threading.Event(), threading.Event(), []

    def event_recompute() -> None:
        try:
            with recompute_signals_muted(), transaction.atomic():
                GrowthSample.objects.create(
                    assignment=source, sample_date=START + dt.timedelta(days=19), sample_size=30, avg_weight_g=150
                )
                batch_recompute(batch_id=batch_id, today=TODAY, trigger="assignment_window")
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    def backfill() -> None:
        try:
            done.append(farm_backfill(batch_ids=[batch_id], today=TODAY, workers=1))
        finally:
            connections.close_all()

    event = threading.Thread(target=event_recompute)
    event.start()
    assert holding.wait(10)
    waiting = threading.Thread(target=backfill)
    waiting.start()
    time.sleep(0.3)
    assert waiting.is_alive() and not done  # held at the batch's lock
    release.set()
    event.join(10)
    waiting.join(10)

    assert done and done[0][batch_id].ok
    anchor = ActualDailyAssignmentState.objects.get(assignment=source, date=START + dt.timedelta(days=19))
    assert anchor.avg_weight_g == Decimal("150.00") and anchor.anchor_type == "growth_sample"
    backfilled = state_rows(batch_id)
    assert batch_recompute(batch_id=batch_id, today=TODAY).ok
    assert state_rows(batch_id) == backfilled


@pytest.mark.django_db(transaction=True)
def test_the_threads_keep_the_order_carry_the_history_context_and_raise_the_first_error(db):
    seen = {}

    def work(n: int) -> int:
        context = _active()
        seen[n] = (threading.current_thread().name, context.metadata.get("channel") if context else None)
        return n * n

    with history_context(channel="command", command="test"):
        assert map_batches_threaded(work, list(range(8)), threads=2) == [n * n for n in range(8)]
    if connection.vendor == "postgresql":
        assert {channel for _, channel in seen.values()} == {"command"}
    assert all(name.startswith("batches-") for name, _ in seen.values())

    def failing(n: int) -> int:
        if n == 3:
            raise ValueError("batch 3")
        return n

    with pytest.raises(ValueError, match="batch 3"):
        map_batches_threaded(failing, list(range(6)), threads=2)
