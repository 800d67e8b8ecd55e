"""What the projection assumes about the future, estimated from the recent past (docs/forecast.md "Method").

- **Growth performance**: the realised / scenario TGC ratio of recent segments, degree-day weighted (so the
  sampling errors of the weighings in between cancel out, as they do in one long segment) and halved in weight
  every ``RATIO_HALF_LIFE_DAYS`` of age. Fallback chain: the assignment's segments, the batch's, the site's (the
  segments of every batch in the site's containers), then 1.0.
- **Temperature bias**: the mean of measured minus profile °C over the last 14 days, clamped to ±2 °C.
- **Mortality**: the daily death rate of the last 30 days of states, else the scenario model's.

Each estimate carries the spread the band is built from. Pure: no Django, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

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
    """One segment as evidence of performance: its end, degree-days and realised / scenario ratio; with its end
    weight (g) and the scenario's cube-root growth over it (sum of c x T) for the growth fit."""

    end_date: dt.date
    degree_days: float
    ratio: float
    end_weight_g: float = 0.0
    scenario_growth: float = 0.0
    start_weight_g: float = 0.0  # for the learned growth model's residuals (apps.forecast.engine.learned)
    days: int = 0


@dataclass(frozen=True)
class Performance:
    """The growth ratio (realised / scenario) and its sd; from a growth fit also the variance of the fitted cube
    root at the as-of date and its covariance with the ratio (0 otherwise)."""

    ratio: float
    sd: float
    source: str  # "fit", "assignment", "batch", "site" or "default"
    segments: int
    level_var: float = 0.0
    level_ratio_cov: float = 0.0


@dataclass(frozen=True)
class AnchorPoint:
    """A weighed day for the growth fit: its age (days before the as-of date), its position (minus the scenario's
    cube-root growth from it to the as-of date) and its measured cube root."""

    age_days: int
    position: float
    cube_root: float


@dataclass(frozen=True)
class GrowthFit:
    level: float  # fitted cube root at the as-of date
    performance: Performance


#: the relative error of a weighing's average weight (a sample of some tens to hundreds of fish)
WEIGHING_REL_SD = 0.03
FIT_HALF_LIFE_DAYS = 60.0
FIT_WINDOW_DAYS = 240


def growth_fit(*, points: Sequence[AnchorPoint], prior: Performance) -> GrowthFit | None:
    """Cube root = level + ratio x position, fitted by weighted least squares to the recent weighings, the ratio
    pulled towards ``prior`` by its sd (so one weighing gives a level and the prior's ratio).

    Each weighing counts 1 / (its sd)^2 x 0.5^(age / FIT_HALF_LIFE_DAYS): recent weighings lead, and the
    sampling errors of several weighings average out instead of the latest one setting the level. The
    variances are scaled by how much the weighings scatter around the fit compared with WEIGHING_REL_SD (from
    FIT_MIN_POINTS weighings on; 1 below). None without a weighing in the last FIT_WINDOW_DAYS days.
    """
    usable = [p for p in points if p.age_days <= FIT_WINDOW_DAYS and p.cube_root > 0]
    if not usable:
        return None
    s00 = s01 = s11 = b0 = b1 = 0.0
    weights, decays = [], []
    for p in usable:
        decay = 0.5 ** (p.age_days / FIT_HALF_LIFE_DAYS)
        w = decay * _precision(p)
        weights.append(w)
        decays.append(decay)
        s00 += w
        s01 += w * p.position
        s11 += w * p.position * p.position
        b0 += w * p.cube_root
        b1 += w * p.position * p.cube_root
    prior_precision = 1.0 / prior.sd**2
    s11 += prior_precision
    b1 += prior_precision * prior.ratio
    det = s00 * s11 - s01 * s01
    level = (s11 * b0 - s01 * b1) / det
    ratio = (s00 * b1 - s01 * b0) / det
    chi2 = sum(w * (p.cube_root - level - ratio * p.position) ** 2 for w, p in zip(weights, usable))
    inflation = _scatter_scale(chi2, decays)
    ratio = min(RATIO_BOUNDS[1], max(RATIO_BOUNDS[0], ratio))
    level, level_var = _recent_level(usable, ratio), inflation * s11 / det
    var_ratio = inflation * s00 / det
    performance = Performance(
        ratio=ratio,
        sd=math.sqrt(var_ratio + RATIO_SD_FLOOR**2),
        source="fit",
        segments=len(usable),
        level_var=level_var,
        level_ratio_cov=-inflation * s01 / det,
    )
    return GrowthFit(level=level, performance=performance)


def _precision(p: AnchorPoint) -> float:
    """1 / the variance of a weighing's cube root (its weight's relative error WEIGHING_REL_SD, a third of it in
    cube root)."""
    return 1.0 / (WEIGHING_REL_SD / 3 * p.cube_root) ** 2


#: the half-life (days) of a weighing's weight in the level (today's weight), shorter than the ratio's
LEVEL_HALF_LIFE_DAYS = 14.0


def _recent_level(points: Sequence[AnchorPoint], ratio: float) -> float:
    """Today's cube root from the recent weighings: each moved to today by the fitted ratio x the scenario's growth
    since it, weighted by its precision and halved every LEVEL_HALF_LIFE_DAYS of age. The ratio is a whole
    window's average: where growth per degree-day changes with size, handling or season (real fish), a weighing
    months old moved forward by it lands off today's weight by the difference, so the level leans on the latest
    weighings and the older ones still steady it (docs/forecast.md "The growth fit")."""
    num = den = 0.0
    for p in points:
        w = 0.5 ** (p.age_days / LEVEL_HALF_LIFE_DAYS) * _precision(p)
        num += w * (p.cube_root - ratio * p.position)
        den += w
    return num / den


FIT_MIN_POINTS = 4
SCATTER_SCALE_BOUNDS = (0.25, 4.0)


def _scatter_scale(chi2: float, decays: list[float]) -> float:
    """Observed / expected scatter of the weighings: chi2 over its effective degrees of freedom (the decayed
    weighings count for less), within SCATTER_SCALE_BOUNDS; 1 with too few weighings to tell."""
    dof = sum(decays) - 1.0
    if len(decays) < FIT_MIN_POINTS or dof < 1.0:
        return 1.0
    return min(SCATTER_SCALE_BOUNDS[1], max(SCATTER_SCALE_BOUNDS[0], chi2 / dof))


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
    *,
    as_of: dt.date,
    own: Sequence[SegmentEvidence],
    batch: Sequence[SegmentEvidence],
    site: Sequence[SegmentEvidence] = (),
) -> Performance:
    """Growth performance (realised / scenario TGC) for the days after ``as_of``, from segments ending by then:
    the first of the assignment's, the batch's and the site's segments with enough degree-days, else 1.0."""
    for source, evidence in (("assignment", own), ("batch", batch), ("site", site)):
        found = _weighted_ratio(as_of, evidence)
        if found is not None:
            ratio, sd, n = found
            return Performance(ratio=ratio, sd=sd, source=source, segments=n)
    return Performance(ratio=1.0, sd=RATIO_SD_PRIOR, source="default", segments=0)


def _weighted_ratio(as_of: dt.date, evidence: Sequence[SegmentEvidence]):
    usable = [
        e
        for e in evidence
        if e.end_date <= as_of and e.degree_days > 0 and RATIO_BOUNDS[0] <= e.ratio <= RATIO_BOUNDS[1]
    ]
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
    return TemperatureBias(
        bias_c=max(-BIAS_CLAMP_C, min(BIAS_CLAMP_C, mean)), sd_c=BIAS_SD_C, days=len(measured_minus_profile_c)
    )


def mortality_estimate(*, deaths: int, fish_days: int, model_daily_rate: float, days: int) -> MortalityEstimate:
    """Recent realised daily death rate (deaths / fish-days) when a week or more of states exist, else the model's."""
    if days >= 7 and fish_days > 0:
        return MortalityEstimate(daily_rate=deaths / fish_days, rel_sd=MORTALITY_REL_SD, source="recent")
    return MortalityEstimate(daily_rate=model_daily_rate, rel_sd=MORTALITY_REL_SD, source="model")
