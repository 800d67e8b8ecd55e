"""What the projection assumes about the future, estimated from the recent past (docs/forecast.md "Method").

- **Growth performance**: the realised / scenario TGC ratio of recent segments, degree-day weighted (so the
  sampling errors of the weighings in between cancel out, as they do in one long segment) and halved in weight
  every ``RATIO_HALF_LIFE_DAYS`` of age. Fallback chain: the assignment's segments, the batch's, then 1.0.
- **Temperature bias**: the mean of measured minus profile °C over the last 14 days, clamped to ±2 °C.
- **Mortality**: the daily death rate of the last 30 days of states, else the scenario model's.

Each estimate carries the spread the band is built from. Pure: no Django, no clock.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Sequence

RATIO_HALF_LIFE_DAYS = 120.0
RATIO_MIN_DEGREE_DAYS = 30.0  # less than this, in all segments together, is not evidence
#: the part of the ratio's spread no past segment can show: the next stage grows at its own pace (docs/forecast.md)
RATIO_SD_FLOOR = 0.03
#: the spread of a batch with no usable segments: the spread of performance between batches
RATIO_SD_PRIOR = 0.06
RATIO_BOUNDS = (0.5, 1.5)

BIAS_DAYS = 14
BIAS_CLAMP_C = 2.0
#: the spread of the future mean temperature around profile + bias (docs/forecast.md)
BIAS_SD_C = 0.3
BIAS_SD_NO_MEASUREMENT_C = 0.8

MORTALITY_DAYS = 30
#: relative spread of the future daily death rate
MORTALITY_REL_SD = 0.5


@dataclass(frozen=True)
class SegmentEvidence:
    """One segment as evidence of performance: its end, degree-days and realised / scenario ratio."""

    end_date: dt.date
    degree_days: float
    ratio: float


@dataclass(frozen=True)
class Performance:
    ratio: float
    sd: float
    source: str  # "assignment", "batch" or "default"
    segments: int


@dataclass(frozen=True)
class TemperatureBias:
    bias_c: float
    sd_c: float
    days: int  # measured days it rests on


@dataclass(frozen=True)
class MortalityEstimate:
    daily_rate: float
    rel_sd: float
    source: str  # "recent" or "model"


def performance_estimate(
    *, as_of: dt.date, own: Sequence[SegmentEvidence], batch: Sequence[SegmentEvidence]
) -> Performance:
    """Growth performance (realised / scenario TGC) for the days after ``as_of``, from segments ending by then."""
    for source, evidence in (("assignment", own), ("batch", batch)):
        found = _weighted_ratio(as_of, evidence)
        if found is not None:
            ratio, sd, n = found
            return Performance(ratio=ratio, sd=sd, source=source, segments=n)
    return Performance(ratio=1.0, sd=RATIO_SD_PRIOR, source="default", segments=0)


def _weighted_ratio(as_of: dt.date, evidence: Sequence[SegmentEvidence]):
    usable = [e for e in evidence if e.end_date <= as_of and e.degree_days > 0 and RATIO_BOUNDS[0] <= e.ratio <= RATIO_BOUNDS[1]]
    if sum(e.degree_days for e in usable) < RATIO_MIN_DEGREE_DAYS:
        return None
    weights = [e.degree_days * 0.5 ** ((as_of - e.end_date).days / RATIO_HALF_LIFE_DAYS) for e in usable]
    total = sum(weights)
    mean = sum(w * e.ratio for w, e in zip(weights, usable)) / total
    spread2 = sum(w * (e.ratio - mean) ** 2 for w, e in zip(weights, usable)) / total
    n_eff = total * total / sum(w * w for w in weights)
    # the spread of segments shows the noise of one segment; the mean of n_eff of them is surer by sqrt(n_eff)
    sd = math.sqrt(RATIO_SD_FLOOR**2 + spread2 / n_eff)
    return mean, sd, len(usable)


def temperature_bias(*, measured_minus_profile_c: Sequence[float]) -> TemperatureBias:
    """Mean recent (measured - profile) °C, clamped to ±BIAS_CLAMP_C; the profile alone when nothing was measured."""
    if not measured_minus_profile_c:
        return TemperatureBias(bias_c=0.0, sd_c=BIAS_SD_NO_MEASUREMENT_C, days=0)
    mean = sum(measured_minus_profile_c) / len(measured_minus_profile_c)
    return TemperatureBias(bias_c=max(-BIAS_CLAMP_C, min(BIAS_CLAMP_C, mean)), sd_c=BIAS_SD_C, days=len(measured_minus_profile_c))


def mortality_estimate(*, deaths: int, fish_days: int, model_daily_rate: float, days: int) -> MortalityEstimate:
    """Recent realised daily death rate (deaths / fish-days) when a week or more of states exist, else the model's."""
    if days >= 7 and fish_days > 0:
        return MortalityEstimate(daily_rate=deaths / fish_days, rel_sd=MORTALITY_REL_SD, source="recent")
    return MortalityEstimate(daily_rate=model_daily_rate, rel_sd=MORTALITY_REL_SD, source="model")
