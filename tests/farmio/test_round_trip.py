"""The round trip (issue 19): the small demo farm exported and imported into an empty database gives the same
records (its files again, byte for byte) and, after the import's own recompute, the same daily states row for
row; re-importing the same files changes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.batch.models import ActualDailyAssignmentState, GrowthSample, MortalityEvent, RecomputeMarker
from apps.demo.farm import demo_data_generate
from apps.environmental.models import EnvironmentalReading
from apps.farmio import kinds as K
from apps.farmio.exporting import export_folder
from apps.farmio.importing import path_import
from tests.farmio.helpers import farm_empty, states_by_natural_key

TODAY = dt.date(2025, 6, 1)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.django_db
def test_the_small_demo_farm_comes_back_the_same_records_and_the_same_daily_states(tmp_path):
    demo_data_generate(seed=1, preset="small", today=TODAY, truth_out=None, world="model")
    call_command("recompute_recent_daily_states", "--all", "--sync", stdout=StringIO())
    states_before = states_by_natural_key()
    counts_before = (GrowthSample.objects.count(), MortalityEvent.objects.count(), EnvironmentalReading.objects.count())
    assert len(states_before) > 1000 and all(counts_before)
    first = tmp_path / "first"
    exported = export_folder(first)
    assert set(exported) == K.FILE_NAMES

    farm_empty()
    assert ActualDailyAssignmentState.objects.count() == 0
    result = path_import(first, dry_run=False)

    assert result.ok, result.problems
    assert result.rows == sum(exported.values())
    assert (
        GrowthSample.objects.count(),
        MortalityEvent.objects.count(),
        EnvironmentalReading.objects.count(),
    ) == counts_before
    second = tmp_path / "second"
    export_folder(second)
    assert _files(second) == _files(first)  # every record, every column, in natural-key order
    assert RecomputeMarker.objects.count() == 0
    assert states_by_natural_key() == states_before

    again = path_import(first, dry_run=False)
    assert again.ok
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again.counts.values()), again.counts
    assert again.assignments_marked == 0
    assert states_by_natural_key() == states_before
