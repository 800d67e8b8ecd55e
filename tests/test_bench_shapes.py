"""The benchmark shapes (bench/shapes.py) can be rebuilt on a database that already holds them and their
recompute history: a bench run twice on one database once failed there (regression)."""

import pytest

from apps.audit.models import StateMove
from apps.batch.models import Batch, GrowthSample, RecomputeRun
from apps.recompute import run as recompute
from bench import shapes

pytestmark = pytest.mark.django_db


def test_a_shape_recomputed_once_is_dropped_and_built_again_with_its_runs_history_gone(salmon):
    first = shapes.seq_build(assignments=2, days=30)
    assert recompute.batch_recompute(batch_id=first.batch_id, today=first.today, trigger="bench").ok
    sample = GrowthSample.objects.filter(assignment_id=first.assignment_ids[0]).order_by("sample_date").first()
    GrowthSample.objects.filter(pk=sample.pk).update(avg_weight_g=sample.avg_weight_g * 2)  # no signal: a bench's edit
    assert recompute.batch_recompute(batch_id=first.batch_id, today=first.today, trigger="bench").ok  # states move
    assert StateMove.objects.filter(run__batch_id=first.batch_id).exists()  # what made the old drop fail
    again = shapes.seq_build(assignments=2, days=30)
    assert again.batch_id != first.batch_id
    assert list(Batch.objects.filter(batch_number__startswith="BENCH-SEQ").values_list("id", flat=True)) == [
        again.batch_id
    ]
    assert not RecomputeRun.objects.filter(batch_id=first.batch_id).exists()
    assert not StateMove.objects.filter(run__batch_id=first.batch_id).exists()
