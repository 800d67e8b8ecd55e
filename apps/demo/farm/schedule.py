"""Plan each batch's life: which containers it occupies when, and the moves between them (no Django).

A batch follows one production plan, each date jittered by a few days: eggs in hatchery trays on day 0,
fry tanks from about day 90, parr tanks from 175 (some later hand part of their fish to a new tank), smolt
tanks from 320, sea pens from 400 (some split into a new pen around day 560), harvest pen by pen when the
fish should weigh about 5 kg (growth.harvest_offset: days 800-960, about 880 on average). Nothing is
planned after ``today``: a move that has not happened yet leaves its sources open (departure None).
"""

from __future__ import annotations

import datetime as dt
import random

from . import growth
from .growth import expected_weights, harvest_offset, true_tgc
from .layout import SEA, expected_temp_c
from .presets import Preset
from .types import BatchPlan, Link, Move, Slot

MOVE_TO_FRY_DAY = 90
MOVE_TO_PARR_DAY = 175
PARR_SPLIT_DAY = 245
MOVE_TO_SMOLT_DAY = 320
MOVE_TO_SEA_DAY = 400
PEN_SPLIT_DAY = 560
JITTER_DAYS = 4
START_JITTER_DAYS = 3
SPLIT_SHARE = (0.30, 0.45)
EGG_WEIGHT_G = (0.09, 0.12)


def batch_starts(preset: Preset, *, seed: int, today: dt.date) -> list[dt.date]:
    """Start dates spread evenly from ``oldest_age_days`` to ``newest_age_days`` before today, oldest first."""
    n = preset.batches
    step = (preset.oldest_age_days - preset.newest_age_days) / (n - 1) if n > 1 else 0.0
    starts = []
    for i in range(n):
        jitter = random.Random(f"{seed}/start/{i}").randint(-START_JITTER_DAYS, START_JITTER_DAYS)
        age = round(preset.oldest_age_days - i * step) + jitter
        starts.append(today - dt.timedelta(days=min(max(age, 0), preset.oldest_age_days)))
    return starts


def batch_plan(
    index: int, start: dt.date, *, preset: Preset, seed: int, today: dt.date, slots: list[Slot]
) -> BatchPlan:
    """Plan one batch, appending its slots to ``slots`` (global indices)."""
    rng = random.Random(f"{seed}/plan/{index}")
    plan = BatchPlan(index=index, start=start, tgc_per_1000=true_tgc(seed=seed, index=index, start_month=start.month))
    weight_g = round(rng.uniform(*EGG_WEIGHT_G), 2)
    group = [
        _new_slot(slots, plan, "tray", start, placement=(rng.randint(*preset.eggs_per_tray), weight_g))
        for _ in range(preset.trays)
    ]
    steps = (
        (False, MOVE_TO_FRY_DAY, "fry", preset.fry_tanks),
        (False, MOVE_TO_PARR_DAY, "parr", preset.parr_tanks),
        (True, PARR_SPLIT_DAY, "parr", preset.parr_splits),
        (False, MOVE_TO_SMOLT_DAY, "smolt", preset.smolt_tanks),
        (False, MOVE_TO_SEA_DAY, SEA, preset.pens),
        (True, PEN_SPLIT_DAY, SEA, preset.pen_splits),
    )
    pools = [(0, "tray")]
    for partial, offset, pool, count in steps:
        day = start + dt.timedelta(days=offset + rng.randint(-JITTER_DAYS, JITTER_DAYS))
        if day > today:
            return plan
        if partial:
            group = group + _split(slots, plan, rng, day, group, pool, count)
        else:
            group = _full_move(slots, plan, day, group, pool, count)
            pools.append(((day - start).days, pool))
    expected = expected_weights(start, weight_g, plan.tgc_per_1000, pools, growth.HARVEST_DAYS[1] + 1)
    _harvest(slots, rng, start, group, today, expected)
    return plan


def _new_slot(slots, plan, pool, start, *, placement=None) -> int:
    count, weight_g = placement if placement else (None, None)
    slot = Slot(
        index=len(slots), batch=plan.index, pool=pool, start=start, placement_count=count, placement_weight_g=weight_g
    )
    slots.append(slot)
    plan.slots.append(slot.index)
    return slot.index


def _full_move(slots, plan, day, sources, pool, count) -> list[int]:
    """Empty ``sources`` into ``count`` new containers, splitting and merging by even shares."""
    dests = [_new_slot(slots, plan, pool, day) for _ in range(count)]
    for source in sources:
        slots[source].end = day
    plan.moves.append(Move(date=day, partial=False, links=overlap_links(sources, dests)))
    return dests


def overlap_links(sources: list[int], dests: list[int]) -> tuple[Link, ...]:
    """Lay sources and destinations side by side on [0, 1); each source sends to the destinations it overlaps.

    3 sources into 2 destinations: the middle source splits half and half, the others go whole (a merge).
    """
    m, k = len(sources), len(dests)
    links = []
    for i, source in enumerate(sources):
        for j, dest in enumerate(dests):
            overlap = min((i + 1) / m, (j + 1) / k) - max(i / m, j / k)
            if overlap > 1e-9:
                links.append(Link(source=source, dest=dest, share=overlap * m))
    return tuple(links)


def _split(slots, plan, rng, day, group, pool, count) -> list[int]:
    """``count`` containers of ``group`` each hand part of their fish to a new container and stay."""
    new = []
    for source in sorted(rng.sample(group, min(count, len(group)))):
        dest = _new_slot(slots, plan, pool, day)
        plan.moves.append(Move(date=day, partial=True, links=(Link(source, dest, rng.uniform(*SPLIT_SHARE)),)))
        new.append(dest)
    return new


def _harvest(slots, rng, start, pens, today, expected: list[float]) -> None:
    for pen in pens:
        day = start + dt.timedelta(days=harvest_offset(expected, rng))
        if day <= today:
            slots[pen].end = day


PLANNED_POOLS = (
    (0, "tray"),
    (MOVE_TO_FRY_DAY, "fry"),
    (MOVE_TO_PARR_DAY, "parr"),
    (MOVE_TO_SMOLT_DAY, "smolt"),
    (MOVE_TO_SEA_DAY, SEA),
)


def planned_temperatures(start_month: int, days: int) -> list[float]:
    """The scenario's temperature profile (°C by day number 1..days) for a batch starting mid-``start_month``:
    each day the expected temperature of the pool the plan puts the fish in, rounded to 0.1 °C."""
    start = dt.date(2001, start_month, 15)
    pool_at, pool, temps = dict(PLANNED_POOLS), "tray", []
    for offset in range(days):
        pool = pool_at.get(offset, pool)
        temps.append(round(expected_temp_c(pool, (start + dt.timedelta(days=offset)).timetuple().tm_yday), 1))
    return temps
