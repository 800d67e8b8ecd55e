"""Growth performance per segment: from one weighed day to the next (docs/forecast.md "Segments").

A segment runs from the *end* of its start day (an anchor, or the assignment's first stored day) to the end of
its end day (the next anchor): its days are ``start + 1 .. end``. Degree-days count only days above 0 °C (no
growth at or below 0, docs/engine.md §3). TGC values are per 1000 as stored; a stored value below 0.01 is already
divided by 1000 and is scaled back up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PLACEMENT = "placement"


@dataclass(frozen=True, slots=True)
class DayRow:
    """The end-of-day state of one assignment: what a segment reads of a daily state. The names are the growth
    engine's ``DayResult`` names, so its rows can be passed as they are."""

    date: dt.date
    stage_id: int
    avg_weight_g: float
    population: int
    biomass_kg: float
    temp_c: float
    mortality_count: int
    feed_kg: float


@dataclass(frozen=True)
class Segment:
    """Growth between two weighed days. Ratios are None where their divisor is zero or negative."""

    start_date: dt.date
    end_date: dt.date
    start_kind: str  # PLACEMENT or the anchor kind of the start day
    end_kind: str
    days: int
    degree_days: float
    start_weight_g: float
    end_weight_g: float
    start_population: int
    end_population: int
    realised_tgc: float | None  # per 1000
    sgr_pct: float  # %/day
    feed_kg: float
    biological_gain_kg: float
    economic_gain_kg: float
    biological_fcr: float | None
    economic_fcr: float | None
    deaths: int
    mortality_pct: float | None
    scenario_tgc: float | None  # per 1000, degree-day weighted over the segment's days
    performance_ratio: float | None  # realised / scenario


def per_1000(tgc: float) -> float:
    """A stored TGC as a value per 1000 (a stored value below 0.01 is already divided by 1000)."""
    return tgc * 1000.0 if tgc < 0.01 else tgc


def segments_compute(
    *,
    rows: Sequence[DayRow],  # or the engine's DayResult rows
    anchor_kinds: Mapping[dt.date, str],
    tgc_by_stage: Mapping[int, float],
    tgc_default: float,
    starts_at_placement: bool,
) -> list[Segment]:
    """The segments of consecutive ``rows`` (sorted by date, one a day).

    ``rows[0]`` starts the first segment: the placement when ``starts_at_placement``, else it must be an anchor
    day (a windowed recompute restarts on one). Every later row that is an anchor day ends a segment and starts
    the next. Days after the last anchor belong to no segment.
    """
    segments: list[Segment] = []
    if not rows:
        return segments
    start_index = 0
    start_kind = PLACEMENT if starts_at_placement else anchor_kinds.get(rows[0].date, PLACEMENT)
    for index in range(1, len(rows)):
        kind = anchor_kinds.get(rows[index].date)
        if kind is None:
            continue
        segments.append(_segment(rows, start_index, index, start_kind, kind, tgc_by_stage, tgc_default))
        start_index, start_kind = index, kind
    return segments


def _segment(rows, lo: int, hi: int, start_kind: str, end_kind: str, tgc_by_stage, tgc_default) -> Segment:
    first, last = rows[lo], rows[hi]
    degree_days = scenario_tgc_x_dd = feed = deaths_biomass = bio_gain = 0.0
    deaths = 0
    previous_population, previous_weight, previous_stage = first.population, first.avg_weight_g, first.stage_id
    tgc = per_1000(tgc_by_stage.get(previous_stage, tgc_default))
    for row in rows[lo + 1 : hi + 1]:
        temp = row.temp_c
        if temp > 0.0:
            degree_days += temp
            # the model uses the TGC of the stage at the start of the day
            scenario_tgc_x_dd += tgc * temp
        weight, died = row.avg_weight_g, row.mortality_count
        feed += row.feed_kg
        # fish alive at the start of the day grew by the day's weight change; the dead are valued at the day's weight
        bio_gain += previous_population * (weight - previous_weight)
        if died:
            deaths += died
            deaths_biomass += died * weight
        previous_population, previous_weight = row.population, weight
        if row.stage_id != previous_stage:
            previous_stage = row.stage_id
            tgc = per_1000(tgc_by_stage.get(previous_stage, tgc_default))
    bio_gain /= 1000.0
    deaths_biomass /= 1000.0
    days = hi - lo
    economic_gain = bio_gain - deaths_biomass
    realised = (
        1000.0 * (last.avg_weight_g ** (1 / 3) - first.avg_weight_g ** (1 / 3)) / degree_days
        if degree_days > 0
        else None
    )
    scenario = scenario_tgc_x_dd / degree_days if degree_days > 0 else None
    return Segment(
        start_date=first.date,
        end_date=last.date,
        start_kind=start_kind,
        end_kind=end_kind,
        days=days,
        degree_days=degree_days,
        start_weight_g=first.avg_weight_g,
        end_weight_g=last.avg_weight_g,
        start_population=first.population,
        end_population=last.population,
        realised_tgc=realised,
        sgr_pct=100.0 * math.log(last.avg_weight_g / first.avg_weight_g) / days,
        feed_kg=feed,
        biological_gain_kg=bio_gain,
        economic_gain_kg=economic_gain,
        biological_fcr=feed / bio_gain if feed > 0 and bio_gain > 0 else None,
        economic_fcr=feed / economic_gain if feed > 0 and economic_gain > 0 else None,
        deaths=deaths,
        mortality_pct=100.0 * deaths / first.population if first.population > 0 else None,
        scenario_tgc=scenario,
        performance_ratio=realised / scenario if realised is not None and scenario else None,
    )
