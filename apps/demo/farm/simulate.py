"""The demo farm's truth, from a seed (no Django): plan, containers, daily life, sensor readings.

``farm_simulate`` is a pure function of its arguments: the same seed, preset, today and occupied
containers give the same records, value for value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from .allocate import containers_allocate
from .batch_sim import BatchSimulation
from .presets import Preset
from .schedule import batch_plan, batch_starts
from .temperature import TemperatureSeries, readings_for
from .types import BatchPlan, ContainerKey, FarmPlan, FarmRecords, Interval, Slot, SlotTruth
from .world import WORLD_MODEL, WORLD_REALISTIC, temperature_anomaly, water_kind

ONE_DAY = dt.timedelta(days=1)


def farm_plan(*, preset: Preset, seed: int, today: dt.date, occupied: dict[ContainerKey, list[Interval]]) -> FarmPlan:
    """Every batch's slots and moves up to ``today``, placed in containers free of ``occupied``."""
    slots: list[Slot] = []
    batches: list[BatchPlan] = [
        batch_plan(index, start, preset=preset, seed=seed, today=today, slots=slots)
        for index, start in enumerate(batch_starts(preset, seed=seed, today=today))
    ]
    containers = containers_allocate(batches, slots, pens_per_site=preset.pens_per_site, occupied=occupied)
    return FarmPlan(batches=batches, slots=slots, containers=containers)


def farm_simulate(
    plan: FarmPlan,
    *,
    preset: Preset,
    seed: int,
    today: dt.date,
    progress: Callable[[Iterable], Iterable] = iter,
    world: str = WORLD_MODEL,
) -> FarmRecords:
    """Live every batch of ``plan`` day by day and record what the farm measured.

    ``progress`` wraps the batch loop (a tqdm bar, say). ``world``: ``model`` (the engine's own law) or
    ``realistic`` (world.py).
    """
    realistic = world == WORLD_REALISTIC
    records = FarmRecords(plan=plan, batches=[], truth=[SlotTruth(start=s.start) for s in plan.slots])
    temps = _temperature_series(plan, seed=seed, today=today, anomalies=realistic)
    for batch in progress(plan.batches):
        simulation = BatchSimulation(batch, records, temps, preset=preset, seed=seed, world_name=world)
        records.batches.append(simulation.run(today))
    for key, days in sorted(_occupied_days(plan.slots, today).items()):
        records.readings.extend(
            readings_for(
                key, temps[key], days, seed=seed, force_long_gap=preset.long_gap_in_every_container, outages=realistic
            )
        )
    return records


def _temperature_series(
    plan: FarmPlan, *, seed: int, today: dt.date, anomalies: bool
) -> dict[ContainerKey, TemperatureSeries]:
    """Each container's true temperatures; with ``anomalies`` every container of a site (by water: trays,
    tanks, pens) shares the site's slow anomaly."""
    origin = min(b.start for b in plan.batches)
    days = (today - origin).days + 1
    pools = {slot.container: slot.pool for slot in plan.slots}
    shared: dict[tuple[str, str], list[float]] = {}
    series = {}
    for key, pool in sorted(pools.items()):
        anomaly = None
        if anomalies:
            site = (key[0], water_kind(pool))
            if site not in shared:
                shared[site] = temperature_anomaly(seed=seed, site=key[0], kind=site[1], origin=origin, days=days)
            anomaly = shared[site]
        series[key] = TemperatureSeries(key, pool, seed=seed, origin=origin, days=days, anomaly=anomaly)
    return series


def _occupied_days(slots: list[Slot], today: dt.date) -> dict[ContainerKey, list[dt.date]]:
    """The days each container holds fish: every slot's ``start .. min(end - 1, today)``."""
    days: dict[ContainerKey, set[dt.date]] = {}
    for slot in slots:
        last = today if slot.end is None else min(today, slot.end - ONE_DAY)
        n = (last - slot.start).days + 1
        days.setdefault(slot.container, set()).update(slot.start + dt.timedelta(days=i) for i in range(n))
    return {key: sorted(value) for key, value in days.items()}
