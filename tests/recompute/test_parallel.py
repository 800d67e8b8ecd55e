"""Whole-farm work over several processes (apps.recompute.parallel) stores and finds exactly what one process
does: the backfill's rows equal a one-process full recompute's, field for field, and the verification over two
processes reports the same differences as over one. Real forked processes on the test database (committed
data: a transactional test)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction

from apps.batch.models import ActualDailyAssignmentState, RecomputeMarker
from apps.recompute.parallel import batches_largest_first, farm_backfill, processes_usable
from apps.recompute.run import batch_recompute
from apps.recompute.verify import daily_states_verify
from tests.batch.scenarios import START, farm_with_transfer, state_rows
from tests.factories import GrowthSampleFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = START + dt.timedelta(days=59)


@pytest.fixture
def farm(salmon):
    """Three batches of different lengths, each with a transfer and samples; no pending work."""
    batches = []
    for days, weight in ((60, "120"), (45, "130"), (30, "110")):
        scenario, source, _dest, _ = farm_with_transfer(days=days, transfer_day=days // 2)
        GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=9), avg_weight_g=Decimal(weight))
        batches.append(scenario.batch_id)
    RecomputeMarker.objects.all().delete()
    return batches


def farm_verify(batch_ids, *, processes: int, repair: bool = False):
    return daily_states_verify(batch_ids=batch_ids, today=TODAY, processes=processes, repair=repair, trigger="test")


def test_a_two_process_backfill_stores_what_one_process_stores(farm):
    for batch_id in farm:
        assert batch_recompute(batch_id=batch_id, today=TODAY).ok
    one_process = {b: state_rows(b) for b in farm}
    ActualDailyAssignmentState.objects.all().delete()

    summaries = farm_backfill(batch_ids=farm, today=TODAY, workers=2)

    assert sorted(summaries) == sorted(farm) and all(s.ok for s in summaries.values())
    assert sum(s.rows for s in summaries.values()) == sum(len(rows) for rows in one_process.values())
    assert {b: state_rows(b) for b in farm} == one_process


def test_the_backfill_command_in_two_processes_stores_what_one_process_stores(farm):
    from io import StringIO

    from django.core.management import call_command

    call_command("recompute_recent_daily_states", "--all", "--sync", stdout=StringIO())
    one_process = {b: state_rows(b) for b in farm}
    ActualDailyAssignmentState.objects.all().delete()
    out = StringIO()
    call_command("recompute_recent_daily_states", "--all", "--sync", "--processes", "2", stdout=out)
    assert "0 errors" in out.getvalue() and "(2 processes)" in out.getvalue()
    assert {b: state_rows(b) for b in farm} == one_process and all(one_process.values())


def test_two_processes_find_and_repair_what_one_process_finds(farm):
    farm_backfill(batch_ids=farm, today=TODAY, workers=1)
    victim = ActualDailyAssignmentState.objects.filter(batch_id=farm[1]).order_by("assignment_id", "date")[3]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ActualDailyAssignmentState._meta.db_table} SET population = population - 5 WHERE id = %s",
            [victim.pk],
        )

    alone = farm_verify(farm, processes=1)
    paired = farm_verify(farm, processes=2)
    assert (paired.rows_checked, paired.rows_differing, paired.batches_differing) == (
        alone.rows_checked,
        alone.rows_differing,
        alone.batches_differing,
    )
    assert paired.details == alone.details
    assert alone.details["differences"] == [
        {
            "batch_id": farm[1],
            "assignment_id": victim.assignment_id,
            "first_day": victim.date.isoformat(),
            "rows": 1,
            "fields": ["population"],
        }
    ]
    repaired = farm_verify(farm, processes=2, repair=True)
    assert (repaired.rows_differing, repaired.rows_repaired) == (1, 1)
    assert farm_verify(farm, processes=2).rows_differing == 0


def test_the_largest_batch_goes_first_and_a_caller_in_a_transaction_gets_one_process(farm):
    assert batches_largest_first(reversed(farm)) == sorted(farm)  # equal sizes (two assignments): by id
    with transaction.atomic():
        assert processes_usable(2) == 1  # its connection cannot be closed for the fork
    assert processes_usable(1) == 1
