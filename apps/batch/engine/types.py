"""Plain, frozen data that goes into and comes out of the growth engine.

Contract: no Django, no clock, no settings. Units live in names (_g grams, _kg kilograms, _c degrees
Celsius); dates are ``datetime.date``. Everything the engine needs is passed in; nothing is looked up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

# anchor kinds, in priority order when two fall on one day
ANCHOR_GROWTH_SAMPLE = "growth_sample"
ANCHOR_TRANSFER = "transfer"
ANCHOR_VACCINATION = "vaccination"


@dataclass(frozen=True)
class Stage:
    """A life-cycle stage of the species: expected weight band, the stage that follows it, and whether the
    stage is lived at sea (fish in a fresh-water container never reach it, docs/engine.md §4)."""

    id: int
    order: int
    min_g: float
    max_g: float
    next_stage_id: int | None
    at_sea: bool = False


@dataclass(frozen=True)
class ModelParams:
    """A scenario's models, already resolved to plain numbers.

    ``tgc`` values are as stored (per 1000, e.g. 2.5; a value below 0.01 is already divided by 1000).
    Mortality rates are *daily fractions* (0.0005 = 0.05 %/day), weekly rates already converted.
    ``profile`` is the temperature profile as sorted (day_number, temp_c) pairs, never empty.
    """

    tgc: float
    tgc_by_stage: Mapping[int, float]
    mortality_daily: float
    mortality_daily_by_stage: Mapping[int, float]
    fcr_by_stage: Mapping[int, float]
    profile: tuple[tuple[int, float], ...]
    stages: Mapping[int, Stage]


@dataclass(frozen=True)
class Anchor:
    """A measured weight on one day (already bias-corrected and sample-size weighted)."""

    weight_g: float
    kind: str  # ANCHOR_*
    confidence: float


@dataclass(frozen=True)
class StartState:
    """State at the *start* of ``first_day`` (i.e. the end of the day before).

    On an assignment's first day: placement count (or 0 for a transfer destination), the resolved starting
    weight, the assignment's stage, ``biomass_kg`` = population * weight / 1000.
    On a restart (docs/engine.md §8): the stored, rounded row of the day before ``first_day``. A restart always
    begins *on* an anchor day, whose weight the anchor fixes, so the rows it writes do not depend on
    ``weight_g`` -- only on the population, the (rounded) biomass and the stage.
    """

    weight_g: float
    population: int
    biomass_kg: float
    stage_id: int


@dataclass(frozen=True)
class AssignmentInputs:
    """Everything recorded about one assignment, keyed by calendar date.

    ``first_day``..``last_day`` (inclusive) is the range to compute. ``batch_start_date`` gives day numbers
    (day_number = date - batch_start_date + 1). ``daily_temps_c`` holds the mean of each day's measured
    readings on the container (days without readings are absent) and may include days outside the range
    (the engine looks up to 7 days either side). ``transfers_out`` counts every fish the source loses
    (transferred_count + mortality_during_transfer); ``transfers_in`` the fish that arrive alive.
    ``anchors`` may include days before ``first_day`` (ignored) and after ``last_day`` (ignored).
    ``freshwater``: the container holds fresh water (its site is a freshwater station): the fish never
    advance to, nor grow on the TGC of, a stage lived at sea (docs/engine.md §4). False: at sea, or unknown.
    """

    assignment_id: int
    batch_start_date: dt.date
    first_day: dt.date
    last_day: dt.date
    start: StartState
    anchors: Mapping[dt.date, Anchor] = field(default_factory=dict)
    mortality: Mapping[dt.date, int] = field(default_factory=dict)
    feed_kg: Mapping[dt.date, float] = field(default_factory=dict)
    transfers_in: Mapping[dt.date, int] = field(default_factory=dict)
    transfers_out: Mapping[dt.date, int] = field(default_factory=dict)
    daily_temps_c: Mapping[dt.date, float] = field(default_factory=dict)
    freshwater: bool = False


@dataclass(slots=True)
class DayResult:
    """The end-of-day state of one assignment on one date. Floats are unrounded except where said.

    ``population`` is an int; ``biomass_kg`` uses the unrounded weight; ``observed_fcr`` is None when
    there is not enough data. ``sources`` and ``confidence`` have keys weight, temp, mortality, feed, fcr
    (``sources`` may also hold ``warnings``, a list of data-quality notes). Not frozen, only for speed:
    hundreds of thousands are built in a backfill; treat them as read-only.
    """

    date: dt.date
    day_number: int
    stage_id: int
    avg_weight_g: float
    population: int
    biomass_kg: float
    temp_c: float
    mortality_count: int
    feed_kg: float
    observed_fcr: float | None
    anchor_type: str | None
    sources: Mapping[str, str]
    confidence: Mapping[str, float]
