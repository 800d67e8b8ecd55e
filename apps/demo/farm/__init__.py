"""Demo and benchmark data: a seeded Atlantic salmon farm, its records, and the truth behind them.

Planning and simulation are pure (schedule, allocate, batch_sim, simulate); reference and writer touch
the database; truth writes the CSV. ``demo_data_generate`` is the one entry point.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.db import transaction
from tqdm import tqdm

from aquamind.errors import DomainError

from .presets import preset_get
from .reference import occupied_intervals_load
from .simulate import farm_plan, farm_simulate
from .truth import truth_csv_write
from .world import WORLD_REALISTIC, WORLDS
from .writer import farm_write


@dataclass(frozen=True)
class DemoSummary:
    """What one generation wrote. Bulk writes sent no signals: recompute ``batch_ids`` afterwards."""

    preset: str
    seed: int
    today: dt.date
    world: str
    batches: int
    completed_batches: int
    assignments: int
    containers: int
    growth_samples: int
    transfers: int
    mortality_events: int
    feeding_events: int
    readings: int
    treatments: int
    days_simulated: int  # batch-days
    assignment_days: int  # rows the engine will compute (and truth rows)
    truth_rows: int
    seconds: float
    batch_ids: list[int] = field(default_factory=list)


def demo_data_generate(
    *,
    seed: int,
    preset: str,
    today: dt.date,
    truth_out: Path | None,
    batches: int | None = None,
    progress: bool = False,
    world: str = WORLD_REALISTIC,
) -> DemoSummary:
    """Generate a demo farm in one transaction (nothing is left half-written on failure).

    Everything is dated on or before ``today``. Running again (same seed or not) adds new batches with new
    numbers and never puts two batches in one container at once. ``truth_out`` gets the truth CSV after the
    commit. ``progress`` shows tqdm bars. ``world``: ``realistic`` (the fish depart from the model's law,
    docs/demo-data.md "The realistic world") or ``model`` (they follow it: the control).
    """
    started = time.perf_counter()
    if world not in WORLDS:
        choices = ", ".join(WORLDS)
        raise DomainError(
            f"Unknown world {world!r}; choose one of {choices}.", code="invalid_demo_options", field="world"
        )
    try:
        shape = preset_get(preset, batches=batches)
    except ValueError as exc:
        raise DomainError(str(exc), code="invalid_demo_options", field="preset") from None
    bar = partial(tqdm, disable=not progress, leave=False)
    with transaction.atomic():
        plan = farm_plan(preset=shape, seed=seed, today=today, occupied=occupied_intervals_load())
        simulate_bar = partial(bar, desc="simulate", unit="batch")
        records = farm_simulate(plan, preset=shape, seed=seed, today=today, progress=simulate_bar, world=world)
        written = farm_write(records, seed=seed, preset=preset, progress=bar)
    truth_rows = truth_csv_write(truth_out, records, written.assignment_ids) if truth_out else 0
    return _summary(shape, seed, today, world, records, written, truth_rows, time.perf_counter() - started)


def _summary(shape, seed, today, world, records, written, truth_rows, seconds) -> DemoSummary:
    return DemoSummary(
        preset=shape.name,
        seed=seed,
        today=today,
        world=world,
        batches=len(written.batch_ids),
        completed_batches=sum(b.completed for b in records.batches),
        assignments=len(written.assignment_ids),
        containers=written.containers,
        growth_samples=len(records.samples),
        transfers=len(records.transfers),
        mortality_events=len(records.mortality),
        feeding_events=len(records.feedings),
        readings=len(records.readings),
        treatments=len(records.treatments),
        days_simulated=sum(b.days for b in records.batches),
        assignment_days=sum(len(t.weights_g) for t in records.truth),
        truth_rows=truth_rows,
        seconds=round(seconds, 2),
        batch_ids=written.batch_ids,
    )
