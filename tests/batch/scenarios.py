"""Small farm set-ups shared by the recompute tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.batch.models import ActualDailyAssignmentState
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    ScenarioFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    TransferFactory,
    stage,
)

START = dt.date(2024, 1, 1)
STATE_FIELDS = [
    f.attname for f in ActualDailyAssignmentState._meta.concrete_fields if f.attname not in ("id", "last_computed_at")
]


def drain_all_batches() -> None:
    """What the workers do, in this process: drain every batch that has waiting markers until none is left."""
    from apps.batch.models import RecomputeMarker
    from apps.recompute.drain import markers_drain

    for _ in range(10):
        batch_ids = sorted(
            set(RecomputeMarker.objects.filter(parked_at__isnull=True).values_list("batch_id", flat=True))
        )
        if not batch_ids:
            return
        for batch_id in batch_ids:
            markers_drain(batch_id=batch_id)
    raise AssertionError("markers keep coming back")


def state_rows(batch_id: int) -> list[tuple]:
    """Every stored field of a batch's daily states except the id and computation time, in a stable order."""
    return list(
        ActualDailyAssignmentState.objects.filter(batch_id=batch_id)
        .order_by("assignment_id", "date")
        .values_list(*STATE_FIELDS)
    )


def farm_with_transfer(*, days: int = 60, transfer_day: int = 30, measured: Decimal | None = None):
    """One batch: a tank placed with 10,000 fish at 100 g on START, moved whole into a second tank on
    ``transfer_day`` (the source departs that day). Returns (scenario, source, destination, transfer)."""
    profile = TemperatureProfileFactory(days={1: 8.0, 365: 12.0})
    scenario = ScenarioFactory(tgc_model=TGCModelFactory(profile=profile, tgc_value=2.5), batch__start_date=START)
    move = START + dt.timedelta(days=transfer_day - 1)
    source = AssignmentFactory(
        batch=scenario.batch, assignment_date=START, departure_date=move, lifecycle_stage=stage("Smolt")
    )
    dest = AssignmentFactory(
        batch=scenario.batch,
        container=ContainerFactory(),
        assignment_date=move,
        departure_date=START + dt.timedelta(days=days),
        placement_count=None,
        placement_avg_weight_g=None,
        lifecycle_stage=stage("Smolt"),
    )
    transfer = TransferFactory(
        source_assignment=source,
        dest_assignment=dest,
        actual_execution_date=move,
        transferred_count=9_000,
        mortality_during_transfer=10,
        measured_avg_weight_g=measured,
    )
    return scenario, source, dest, transfer
