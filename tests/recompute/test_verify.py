"""The verifier finds what bypassed every signal, reports it with the right counts, repairs it, and a second
run finds nothing."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.batch.models import ActualDailyAssignmentState, GrowthSample, RecomputeMarker, VerificationRun
from apps.recompute.drain import markers_drain
from apps.recompute.verify import daily_states_verify
from tests.batch.scenarios import START, farm_with_transfer, state_rows
from tests.factories import GrowthSampleFactory, ScenarioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drained_farm(salmon):
    scenario, source, dest, _ = farm_with_transfer(days=60, transfer_day=30)
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=9), avg_weight_g=Decimal("120"))
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=19), avg_weight_g=Decimal("140"))
    markers_drain(batch_id=scenario.batch_id)
    assert not RecomputeMarker.objects.exists()
    return scenario, source, dest


def test_a_clean_farm_verifies_with_no_difference(drained_farm):
    scenario, _, _ = drained_farm
    run = daily_states_verify(repair=True)
    assert (run.batches_checked, run.rows_checked, run.rows_differing, run.rows_repaired) == (1, 60, 0, 0)


def test_a_row_changed_by_raw_sql_is_found_counted_and_repaired(drained_farm):
    scenario, source, _ = drained_farm
    day_5 = START + dt.timedelta(days=4)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ActualDailyAssignmentState._meta.db_table} SET population = population - 7, temp_c = 99 "
            "WHERE assignment_id = %s AND date = %s",
            [source.pk, day_5],
        )
    before = state_rows(scenario.batch_id)

    report = daily_states_verify(repair=False)
    assert (report.rows_differing, report.batches_differing, report.rows_repaired) == (1, 1, 0)
    assert report.details["differences"] == [
        {
            "batch_id": scenario.batch_id,
            "assignment_id": source.pk,
            "first_day": day_5.isoformat(),
            "rows": 1,
            "fields": ["population", "temp_c"],
        }
    ]
    assert state_rows(scenario.batch_id) == before  # --no-repair writes nothing

    repaired = daily_states_verify(repair=True)
    assert (repaired.rows_differing, repaired.rows_repaired) == (1, 1)
    assert ActualDailyAssignmentState.objects.get(assignment=source, date=day_5).temp_c != Decimal("99")
    assert daily_states_verify(repair=True).rows_differing == 0


def test_a_sample_changed_with_queryset_update_is_healed(drained_farm):
    scenario, source, dest = drained_farm
    day_20 = START + dt.timedelta(days=19)
    GrowthSample.objects.filter(assignment=source, sample_date=day_20).update(avg_weight_g=Decimal("155.00"))
    assert not RecomputeMarker.objects.exists()  # nothing saw it

    run = daily_states_verify(repair=True)
    in_source, in_dest = run.details["differences"]
    # the segment from the sample on day 10 bends up to day 20, and every later day of the source follows it
    # (days 11-29), and so does the destination, which starts from the source's weight (days 30-60)
    assert (in_source["assignment_id"], in_source["first_day"], in_source["rows"]) == (source.pk, "2024-01-11", 19)
    assert (in_dest["assignment_id"], in_dest["first_day"], in_dest["rows"]) == (dest.pk, "2024-01-30", 31)
    assert in_source["fields"] == ["avg_weight_g", "biomass_kg"]
    assert run.rows_repaired == run.rows_differing == 50
    assert ActualDailyAssignmentState.objects.get(assignment=source, date=day_20).avg_weight_g == Decimal("155.00")
    assert daily_states_verify().rows_differing == 0


def test_missing_and_extra_rows_are_differences(drained_farm):
    scenario, source, dest = drained_farm
    ActualDailyAssignmentState.objects.filter(assignment=dest, date=START + dt.timedelta(days=40)).delete()
    ActualDailyAssignmentState.objects.filter(assignment=source, date=START).update(date=START - dt.timedelta(days=3))
    run = daily_states_verify(repair=True)
    fields = {d["assignment_id"]: d["fields"] for d in run.details["differences"]}
    assert fields == {
        source.pk: ["(missing row)", "(row outside the assignment's days)"],
        dest.pk: ["(missing row)"],
    }
    assert run.rows_differing == 3
    assert daily_states_verify().rows_differing == 0


def test_a_batch_with_pending_work_or_no_scenario_is_skipped_with_the_reason(drained_farm):
    scenario, source, _ = drained_farm
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=25))  # marked, not drained
    lonely = ScenarioFactory().batch
    lonely.scenarios.all().delete()
    run = daily_states_verify(repair=True)
    assert run.details["skipped"] == {
        "recompute work pending": [scenario.batch_id],
        "cannot be computed: no_scenario": [lonely.pk],
    }
    assert (run.batches_checked, run.batches_skipped) == (0, 2)


def test_the_command_reports_repairs_and_exits_1_with_no_repair(drained_farm):
    scenario, source, _ = drained_farm
    ActualDailyAssignmentState.objects.filter(assignment=source, date=START).update(population=1)
    out = StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("verify_daily_states", "--no-repair", stdout=out)
    assert stopped.value.code == 1
    assert f"assignment {source.pk}: 1 rows differ from {START}" in out.getvalue()
    out = StringIO()
    call_command("verify_daily_states", "--batch-id", str(scenario.batch_id), stdout=out)
    assert "1 rows differing in 1 batches (repaired)" in out.getvalue()
    assert VerificationRun.objects.count() == 2
    with pytest.raises(CommandError, match="no batch with id 987654"):
        call_command("verify_daily_states", "--batch-id", "987654")
