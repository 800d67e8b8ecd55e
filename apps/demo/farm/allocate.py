"""Put every planned slot into a real container, never two batches in one container at once (no Django).

Freshwater containers are taken one by one from their pool (the lowest-numbered free one, new ones added
when all are busy), free again ``fallow_days`` after the last fish left. A sea site holds one generation at
a time, as in Faroese practice: a batch takes a whole site, free since ``PEN_FALLOW_DAYS``, and each of its
pen slots gets its own pen. ``occupied`` holds what the database already has, so a second run is safe.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from .layout import (
    FRESHWATER_SITE,
    PEN_FALLOW_DAYS,
    PEN_VOLUME_M3,
    POOLS,
    SEA,
    pen_name,
    pool_container_name,
    sea_site_name,
)
from .types import BatchPlan, ContainerKey, ContainerSpec, Interval, Slot


def containers_allocate(
    batches: list[BatchPlan], slots: list[Slot], *, pens_per_site: int, occupied: dict[ContainerKey, list[Interval]]
) -> dict[ContainerKey, ContainerSpec]:
    """Set ``slot.container`` on every slot; return the specs of every container used (new or existing)."""
    busy: dict[ContainerKey, list[Interval]] = defaultdict(list, {k: list(v) for k, v in occupied.items()})
    specs: dict[ContainerKey, ContainerSpec] = {}
    for slot in sorted((s for s in slots if s.pool != SEA), key=lambda s: (s.start, s.index)):
        _place_in_pool(slot, busy, specs)
    sea_groups = [[slots[i] for i in plan.slots if slots[i].pool == SEA] for plan in batches]
    for group in sorted((g for g in sea_groups if g), key=lambda g: (g[0].start, g[0].batch)):
        _place_on_site(group, busy, specs, pens_per_site)
    return specs


def is_free(intervals: list[Interval], start: dt.date, end: dt.date | None, fallow_days: int) -> bool:
    """Whether [start, end) keeps ``fallow_days`` clear of every interval (end None = open-ended)."""
    fallow = dt.timedelta(days=fallow_days)
    for other_start, other_end in intervals:
        before = end is not None and end + fallow <= other_start
        after = other_end is not None and other_end + fallow <= start
        if not (before or after):
            return False
    return True


def _place_in_pool(slot: Slot, busy, specs) -> None:
    pool = POOLS[slot.pool]
    number = 1
    while True:
        key = (FRESHWATER_SITE, pool_container_name(pool, number))
        if is_free(busy[key], slot.start, slot.end, pool.fallow_days):
            break
        number += 1
    busy[key].append((slot.start, slot.end))
    slot.container = key
    specs[key] = ContainerSpec(FRESHWATER_SITE, "FRESHWATER", key[1], pool.kind, pool.volume_m3)


def _place_on_site(group: list[Slot], busy, specs, pens_per_site: int) -> None:
    entry = min(s.start for s in group)
    end = None if any(s.end is None for s in group) else max(s.end for s in group)
    pens = max(pens_per_site, len(group))
    site_number = 1
    while True:
        site = sea_site_name(site_number)
        keys = [(site, pen_name(n)) for n in range(1, pens + 1)]
        if all(is_free(busy[key], entry, end, PEN_FALLOW_DAYS) for key in keys):
            break
        site_number += 1
    for slot, key in zip(group, keys):
        slot.container = key
    for key in keys:
        # the whole site is the generation's, used pens or not
        busy[key].append((entry, end))
        specs[key] = ContainerSpec(site, "SEA", key[1], "PEN", PEN_VOLUME_M3)
