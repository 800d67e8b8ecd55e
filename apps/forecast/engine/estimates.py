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
    #: the feed eaten per fish over the segment (g; its feed / its mean population), 0 where none was recorded
    feed_per_fish_g: float = 0.0


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
    #: the feed eaten per fish from the weighing to the as-of date (g); None where feed was not recorded throughout
    feed_g: float | None = None


@dataclass(frozen=True)
class GrowthFit:
    level: float  # fitted cube root at the as-of date
    performance: Performance


#: the relative error of a weighing's average weight (a sample of some tens to hundreds of fish)
WEIGHING_REL_SD = 0.03
FIT_HALF_LIFE_DAYS = 60.0
FIT_WINDOW_DAYS = 240


def growth_fit(
    *, points: Sequence[AnchorPoint], prior: Performance, gain_per_feed: float | None = None
) -> GrowthFit | None:
    """Cube root = level + ratio x position, fitted by weighted least squares to the recent weighings, the ratio
    pulled towards ``prior`` by its sd (so one weighing gives a level and the prior's ratio).

    Each weighing counts 1 / (its sd)^2 x 0.5^(age / FIT_HALF_LIFE_DAYS): recent weighings lead, and the
    sampling errors of several weighings average out instead of the latest one setting the level. The
    variances are scaled by how much the weighings scatter around the fit compared with WEIGHING_REL_SD (from
    FIT_MIN_POINTS weighings on; 1 below). None without a weighing in the last FIT_WINDOW_DAYS days.
    ``gain_per_feed``: grams of growth per gram of feed (``gain_per_feed``), which moves the weighings to today by the
    feed eaten since them where it was recorded (``_recent_level``).
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
    level, level_var = _recent_level(usable, ratio, gain_per_feed), inflation * s11 / det
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
#: the same where the weighings are moved to today by the feed eaten since them (a surer move: older ones count more)
FEED_LEVEL_HALF_LIFE_DAYS = 30.0
#: weighings older than this are not moved by feed (the gain per feed changes with size and season)
FEED_LEVEL_WINDOW_DAYS = 90
#: a weighing that lands this much (relative weight) above the level counts less, by (this / its excess)^2
HEAVY_WEIGHING = 0.02
HEAVY_ITERATIONS = 5


def _recent_level(points: Sequence[AnchorPoint], ratio: float, gain_per_feed: float | None = None) -> float:
    """Today's cube root from the recent weighings, each moved to today and weighted by its precision and its age.

    Moved by the feed eaten since it (``gain_per_feed`` x the feed per fish, in weight, halved every
    FEED_LEVEL_HALF_LIFE_DAYS) where feed was recorded since every weighing of the last FEED_LEVEL_WINDOW_DAYS days
    and the gain per feed is known: the feed tells the growth since a weighing day by day, whatever the growth law.
    Otherwise by the fitted ratio x the scenario's growth since it, halved every LEVEL_HALF_LIFE_DAYS: the ratio is
    a whole window's average, and where growth per degree-day changes with size, handling or season (real fish),
    a weighing months old moved forward by it lands off today's weight by the difference, so the level leans on
    the latest weighings and the older ones still steady it (docs/forecast.md "The growth fit").

    Moved by the feed, weighings that land well above the others count less (``HEAVY_WEIGHING``): a crowded net
    catches the bigger fish, so a sample can read several % heavy; nothing makes one read as light. Moved by the
    ratio, weighings disagree by how wrong the ratio is as much as by how they were sampled, and all count in full
    (down-weighting the latest weighing of fast-growing post-smolts put their level 10-18 % low: docs/forecast.md)."""
    moved, by_feed = None, False
    if gain_per_feed is not None:
        recent = [p for p in points if p.age_days <= FEED_LEVEL_WINDOW_DAYS]
        if recent and all(p.feed_g is not None for p in recent):
            moved = [
                (
                    0.5 ** (p.age_days / FEED_LEVEL_HALF_LIFE_DAYS) * _precision(p),
                    (p.cube_root**3 + gain_per_feed * p.feed_g) ** (1 / 3),
                )
                for p in recent
            ]
            by_feed = True
    if moved is None:
        moved = [
            (0.5 ** (p.age_days / LEVEL_HALF_LIFE_DAYS) * _precision(p), p.cube_root - ratio * p.position)
            for p in points
        ]
    level = sum(w * x for w, x in moved) / sum(w for w, _ in moved)
    for _ in range(HEAVY_ITERATIONS if by_feed else 0):
        weights = []
        for w, x in moved:
            excess = (x / level) ** 3 - 1.0
            weights.append(w if excess <= HEAVY_WEIGHING else w * (HEAVY_WEIGHING / excess) ** 2)
        level = sum(w * x for w, (_, x) in zip(weights, moved)) / sum(weights)
    return level


#: the gain per feed's evidence: segments of the last GAIN_PER_FEED_DAYS days, halved in weight every ..._HALF_LIFE
GAIN_PER_FEED_DAYS = 240
GAIN_PER_FEED_HALF_LIFE_DAYS = 120.0
GAIN_PER_FEED_MIN_SEGMENTS = 2
GAIN_PER_FEED_BOUNDS = (0.2, 2.0)  # grams of growth per gram of feed: a feed conversion ratio of 0.5 to 5


def gain_per_feed(*, as_of: dt.date, own: Sequence[SegmentEvidence]) -> float | None:
    """Grams of growth per gram of feed (1 / the feed conversion ratio) of the assignment's recent segments with
    feed recorded: Σ gain / Σ feed per fish, each segment halved in weight every GAIN_PER_FEED_HALF_LIFE_DAYS of
    age. None with fewer than GAIN_PER_FEED_MIN_SEGMENTS such segments or outside GAIN_PER_FEED_BOUNDS (feed that
    does not follow growth)."""
    usable = [
        e
        for e in own
        if e.feed_per_fish_g > 0 and e.start_weight_g > 0 and 0 <= (as_of - e.end_date).days <= GAIN_PER_FEED_DAYS
    ]
    if len(usable) < GAIN_PER_FEED_MIN_SEGMENTS:
        return None
    gain = feed = 0.0
    for e in usable:
        k = 0.5 ** ((as_of - e.end_date).days / GAIN_PER_FEED_HALF_LIFE_DAYS)
        gain += k * (e.end_weight_g - e.start_weight_g)
        feed += k * e.feed_per_fish_g
    found = gain / feed
    return found if GAIN_PER_FEED_BOUNDS[0] <= found <= GAIN_PER_FEED_BOUNDS[1] else None


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
