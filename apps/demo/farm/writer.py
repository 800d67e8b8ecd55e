"""Write a simulated farm's records to the database in bulk. Call inside a transaction.

Batches, scenarios, assignments, transfers and treatments (hundreds of rows) go through ``bulk_create``,
which returns their ids; samples, deaths, feedings and readings (hundreds of thousands) through
bulk.rows_insert, then the samples' casts (each sample already their aggregate, ``casts_aggregate``). No signals are sent: the caller schedules the recompute of the returned batches.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from apps.batch.models import (
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    GrowthSampleCast,
    MortalityEvent,
    TransferAction,
)
from apps.environmental.models import EnvironmentalReading
from apps.health.models import Treatment
from apps.inventory.models import FeedingEvent
from apps.scenario.models import Scenario
from aquamind.errors import DomainError

from . import reference
from .bulk import rows_insert
from .layout import PLAN_DAYS
from .types import FarmRecords

BATCH_NUMBER = "AS{year:02d}-S{seed}-{number:03d}"


@dataclass(frozen=True)
class Written:
    batch_ids: list[int]
    assignment_ids: list[int]  # by slot index
    containers: int


def _no_progress(steps, **_):
    return steps


def farm_write(records: FarmRecords, *, seed: int, preset: str, progress: Callable = _no_progress) -> Written:
    """Write everything in ``records``; ``progress`` wraps the list of dense tables (a tqdm bar, say)."""
    plan = records.plan
    species_id, stage_ids = reference.species_ensure()
    container_ids = reference.containers_ensure(plan.containers)
    models = reference.scenario_models_ensure({b.start.month for b in plan.batches}, stage_ids)
    batches = _batches_write(records, species_id=species_id, seed=seed, preset=preset)
    _scenarios_write(records, batches, models)
    assignment_ids = _assignments_write(records, [b.pk for b in batches], container_ids, stage_ids)
    _transfers_write(records, assignment_ids)
    _treatments_write(records, assignment_ids)
    dense = _dense_tables(records, assignment_ids, container_ids)
    for model, fields, rows in progress(dense, desc="write", unit="table"):
        rows_insert(model, fields, rows)
    _casts_write(records, assignment_ids)
    return Written(batch_ids=[b.pk for b in batches], assignment_ids=assignment_ids, containers=len(plan.containers))


def next_batch_number(seed: int) -> int:
    """One more than the highest running number of batches already generated with ``seed``."""
    pattern = re.compile(rf"-S{seed}-(\d+)$")
    taken = Batch.objects.filter(batch_number__contains=f"-S{seed}-").values_list("batch_number", flat=True)
    return max((int(m.group(1)) for n in taken if (m := pattern.search(n))), default=0) + 1


def _batches_write(records: FarmRecords, *, species_id: int, seed: int, preset: str) -> list[Batch]:
    first = next_batch_number(seed)
    batches = [
        Batch(
            batch_number=BATCH_NUMBER.format(year=plan.start.year % 100, seed=seed, number=first + plan.index),
            species_id=species_id,
            start_date=plan.start,
            status=Batch.Status.COMPLETED if truth.completed else Batch.Status.ACTIVE,
            notes=f"Demo data: preset {preset}, seed {seed}.",
        )
        for plan, truth in zip(records.plan.batches, records.batches)
    ]
    numbers = [b.batch_number for b in batches]
    clashes = Batch.objects.filter(batch_number__in=numbers).values_list("batch_number", flat=True)
    if clashes:
        raise DomainError(
            f"Batch numbers {', '.join(sorted(clashes))} already exist; rename those batches or use another seed.",
            code="batch_number_taken",
            field="seed",
        )
    return Batch.objects.bulk_create(batches)


def _scenarios_write(records: FarmRecords, batches: list[Batch], models: reference.ScenarioModels) -> None:
    slots = records.plan.slots
    scenarios = []
    for plan, batch in zip(records.plan.batches, batches):
        placed = [slots[i] for i in plan.slots if slots[i].placement_count]
        scenarios.append(
            Scenario(
                name=f"{batch.batch_number} plan",
                batch_id=batch.pk,
                start_date=plan.start,
                duration_days=PLAN_DAYS,
                initial_count=sum(s.placement_count for s in placed),
                initial_weight_g=placed[0].placement_weight_g,
                tgc_model_id=models.tgc_model_ids[plan.start.month],
                mortality_model_id=models.mortality_model_id,
                fcr_model_id=models.fcr_model_id,
            )
        )
    Scenario.objects.bulk_create(scenarios)


def _assignments_write(records, batch_ids, container_ids, stage_ids) -> list[int]:
    assignments = [
        BatchContainerAssignment(
            batch_id=batch_ids[slot.batch],
            container_id=container_ids[slot.container],
            lifecycle_stage_id=stage_ids[slot.stage_order],
            assignment_date=slot.start,
            departure_date=slot.end,
            placement_count=slot.placement_count,
            placement_avg_weight_g=slot.placement_weight_g,
        )
        for slot in records.plan.slots
    ]
    return [a.pk for a in BatchContainerAssignment.objects.bulk_create(assignments, batch_size=2000)]


def _transfers_write(records: FarmRecords, ids: list[int]) -> None:
    TransferAction.objects.bulk_create(
        [
            TransferAction(
                source_assignment_id=ids[t.source],
                dest_assignment_id=ids[t.dest],
                status=TransferAction.Status.COMPLETED,
                planned_date=t.date,
                actual_execution_date=t.date,
                transferred_count=t.transferred_count,
                mortality_during_transfer=t.mortality,
                measured_avg_weight_g=t.measured_avg_weight_g,
                selection_method=t.selection_method,
            )
            for t in records.transfers
        ],
        batch_size=2000,
    )


TREATMENT_DESCRIPTIONS = {
    Treatment.Type.VACCINATION: "Vaccination before sea transfer, with weighing.",
    Treatment.Type.DELICING: "Delousing (crowded and treated in a well boat).",
}


def _treatments_write(records: FarmRecords, ids: list[int]) -> None:
    Treatment.objects.bulk_create(
        [
            Treatment(
                assignment_id=ids[t.slot],
                treatment_date=t.date,
                treatment_type=t.kind,
                description=TREATMENT_DESCRIPTIONS[t.kind],
                includes_weighing=t.weighed_count is not None,
                weighed_count=t.weighed_count,
                weighed_avg_weight_g=t.weighed_avg_weight_g,
            )
            for t in records.treatments
        ],
        batch_size=2000,
    )


def _casts_write(records: FarmRecords, ids: list[int]) -> None:
    """Each sample's casts, found by the sample's assignment and day (the samples were copied without ids)."""
    sample_ids = {
        (assignment_id, day): pk
        for pk, assignment_id, day in GrowthSample.objects.filter(assignment_id__in=ids).values_list(
            "pk", "assignment_id", "sample_date"
        )
    }
    now = timezone.now()
    rows_insert(
        GrowthSampleCast,
        ["sample_id", "fish_weighed", "avg_weight_g", "std_dev_weight_g", "notes", "created_at"],
        (
            (sample_ids[ids[s.slot], s.date], c.fish_weighed, c.avg_weight_g, c.std_dev_weight_g, "", now)
            for s in records.samples
            for c in s.casts
        ),
    )


def _dense_tables(records: FarmRecords, ids: list[int], container_ids: dict) -> list[tuple]:
    """(model, fields, row generator) for each large table; the generators run while the rows are written."""
    now = timezone.now()
    feed_ids = reference.feeds_ensure()
    parameter_id = reference.temperature_parameter_ensure()
    tz = timezone.get_current_timezone()
    return [
        (
            GrowthSample,
            [
                "assignment_id",
                "sample_date",
                "sample_size",
                "avg_weight_g",
                "std_dev_weight_g",
                "avg_length_cm",
                "notes",
                "created_at",
            ],
            (
                (ids[s.slot], s.date, s.size, s.avg_weight_g, s.std_dev_weight_g, s.avg_length_cm, "", now)
                for s in records.samples
            ),
        ),
        (
            MortalityEvent,
            ["assignment_id", "event_date", "count", "cause", "notes"],
            ((ids[m.slot], m.date, m.count, m.cause, "") for m in records.mortality),
        ),
        (
            FeedingEvent,
            ["assignment_id", "feed_id", "feeding_date", "amount_kg"],
            ((ids[f.slot], feed_ids[f.feed], f.date, f.amount_kg) for f in records.feedings),
        ),
        (
            EnvironmentalReading,
            ["container_id", "parameter_id", "reading_time", "value"],
            (
                (container_ids[r.container], parameter_id, _at(r.date, r.hour, r.minute, tz), r.value_c)
                for r in records.readings
            ),
        ),
    ]


def _at(day: dt.date, hour: int, minute: int, tz) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
