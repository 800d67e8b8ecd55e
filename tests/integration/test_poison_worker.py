"""Poison work under a real worker process: an unexpected error in one batch's drain is contained (rolled back,
recorded, counted, parked after RECOMPUTE_MAX_ATTEMPTS retries) while another batch drains normally, and the
worker stays up."""

import time
from decimal import Decimal

import pytest

from apps.batch.models import FailedRecompute, RecomputeMarker, TransferAction
from apps.recompute.markers import recompute_mark_many
from tests.batch.scenarios import START, farm_with_transfer
from tests.integration.support import INTEGRATION, assert_equals_full_recompute

pytestmark = INTEGRATION


def wait_for(condition, timeout: float, what: str, worker) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s\n{worker.log()[-3000:]}")
        time.sleep(0.1)


def test_a_poison_batch_is_parked_while_another_batch_drains(salmon, worker):
    poison, poison_source, poison_dest, transfer = farm_with_transfer(measured=Decimal("150"))
    TransferAction.objects.filter(pk=transfer.pk).update(selection_method="BOGUS")  # bypasses every check
    healthy, _, _, _ = farm_with_transfer()
    recompute_mark_many(marks=[(poison_source.pk, START), (poison_dest.pk, START)])

    parked = RecomputeMarker.objects.filter(batch_id=poison.batch_id, parked_at__isnull=False)
    wait_for(lambda: parked.count() == 2, 60, "parking the poison batch", worker)
    wait_for(lambda: not RecomputeMarker.objects.filter(batch_id=healthy.batch_id).exists(), 60, "draining", worker)

    assert worker.alive()
    assert sorted(parked.values_list("attempts", flat=True)) == [3, 3]
    errors = set(FailedRecompute.objects.filter(batch_id=poison.batch_id).values_list("error_code", "error"))
    assert errors == {("unexpected_error", "ValueError: unknown selection method 'BOGUS'")}
    assert FailedRecompute.objects.filter(batch_id=poison.batch_id).count() == 3
    assert_equals_full_recompute(healthy.batch_id)
