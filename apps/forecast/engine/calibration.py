"""The band calibrated by the farm's own backtests (docs/forecast.md "The calibrated band").

A *residual* is one past forecast scored against what the farm measured later: ln(measured weight / P50) of a
growth sample ``horizon_days`` after the forecast's as-of date, with the sample's own sampling variance (in log
space). Per horizon bucket and phase (fresh water, sea) the P10 and P90 of the band are the split-conformal
quantiles of those log errors (the k-th smallest of n with k = floor(0.1 (n + 1)) and ceil(0.9 (n + 1)): the
finite-sample correction), so that a new error from the same farm falls between them at least 80 % of the time
whatever the growth model misses. A bucket with fewer than ``MIN_BUCKET`` residuals is pooled with the other
phase, then with its neighbouring horizons; a farm with fewer than ``MIN_TOTAL`` residuals is not calibrated
(the closed-form band stays). The weighings' own sampling error is taken out of the spread (the band is for the
fish, not for the next sample of them). Pure: no Django, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

METHOD_VERSION = "conformal-1"
#: the buckets' last days: 1-15, 16-45, 46-75, 76-105, 106-165, 166-255, 256-400 days ahead
HORIZON_EDGES = (15, 45, 75, 105, 165, 255, 400)
PHASES = ("fresh", "sea")
LOWER, UPPER = 0.10, 0.90
MIN_BUCKET = 40  # residuals a bucket needs on its own before it is pooled with coarser ones
MIN_TOTAL = 60  # residuals the farm needs before its band is calibrated at all
#: a bucket's spread is never shrunk below this share by the removal of the weighings' sampling error
MIN_SHRINK = 0.5


@dataclass(frozen=True)
class Residual:
    """One past forecast against a later weighing: ``log_error`` = ln(measured / P50); ``noise_var`` the
    weighing's sampling variance in log space ((sd / mean)^2 / fish weighed); ``truth_date`` the weighing's date."""

    horizon_days: int
    phase: str
    log_error: float
    truth_date: dt.date
    noise_var: float = 0.0
    #: the forecast's starting weight (g): the weight class whose bias and spread the residual shows
    start_weight_g: float = 0.0


@dataclass(frozen=True)
class BandBucket:
    """The calibrated log-ratio quantiles of one (phase, horizon range): P10 = P50 x exp(q10) and so on.
    ``n`` the residuals it rests on (after pooling), ``source`` "bucket", "phases" (both phases pooled) or
    "neighbours" (neighbouring horizons pooled too); ``coverage`` the share of the newer half of the farm's
    weighings that the band from the older half held (None with too few)."""

    phase: str
    first_day: int
    last_day: int
    q10: float
    q50: float
    q90: float
    n: int
    source: str
    coverage: float | None = None
    #: whether the P50 is corrected by q50: only where that made the newer half's errors smaller (else the band
    #: is taken around the model's own P50)
    corrects: bool = True
    #: the weight class: forecasts starting from ``weight_from_g`` (inclusive) up to ``weight_to_g`` (exclusive;
    #: None: no upper bound)
    weight_from_g: float = 0.0
    weight_to_g: float | None = None
    #: the factor the band was widened by about its median (``_widening``): 1 where the time split showed no need
    widened: float = field(default=1.0, compare=False)  # not stored: q10 and q90 are stored widened

    @property
    def middle(self) -> float:
        return (self.first_day + self.last_day) / 2

    def holds(self, weight_g: float) -> bool:
        return self.weight_from_g <= weight_g and (self.weight_to_g is None or weight_g < self.weight_to_g)


@dataclass(frozen=True)
class Calibration:
    """The farm's calibrated band: buckets by phase, or none (``calibrated`` false: the closed-form band)."""

    buckets: tuple[BandBucket, ...]
    residuals: int
    version: str = METHOD_VERSION
    #: factors(): exp of the offsets by (phase, days), worked out once per calibration (a refresh applies the
    #: same calibration to every assignment)
    _factors: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def calibrated(self) -> bool:
        return bool(self.buckets)

    def offsets(self, phase: str, days: int, weight_g: float = 0.0) -> list[tuple[float, float, float]] | None:
        """(q10, q50, q90) for each of the days 1..``days`` ahead of a forecast starting from ``weight_g`` (its
        weight class's buckets): linear between the buckets' middles, the first bucket's before its middle, and
        beyond the last bucket its quantiles growing with the horizon (the errors of a growth rate grow with the
        days it runs). None when not calibrated."""
        own = sorted((b for b in self.buckets if b.phase == phase and b.holds(weight_g)), key=lambda b: b.first_day)
        if not own:
            return None
        out = []
        j = 0
        for d in range(1, days + 1):
            while j + 1 < len(own) and own[j + 1].middle <= d:
                j += 1
            a = own[j]
            if d <= a.middle:
                q = _q(a)
            elif j + 1 < len(own):
                b = own[j + 1]
                t = (d - a.middle) / (b.middle - a.middle)
                qa, qb = _q(a), _q(b)
                q = tuple(x + t * (y - x) for x, y in zip(qa, qb))
            else:
                scale = d / a.middle
                q = tuple(x * scale for x in _q(a))
            out.append((min(q[0], q[1]), q[1], max(q[2], q[1])))
        return out

    def factors(self, phase: str, days: int, weight_g: float = 0.0) -> list[tuple[float, float, float]] | None:
        """exp of ``offsets``: the factors P10, P50 and P90 are of the model's P50, day by day."""
        key = (phase, days, self.weight_class(phase, weight_g))
        if key not in self._factors:
            offsets = self.offsets(phase, days, weight_g)
            self._factors[key] = None if offsets is None else [tuple(math.exp(q) for q in day) for day in offsets]
        return self._factors[key]

    def weight_class(self, phase: str, weight_g: float) -> float:
        """The lower bound of the weight class of ``phase`` holding ``weight_g`` (0 without classes)."""
        return max((b.weight_from_g for b in self.buckets if b.phase == phase and b.holds(weight_g)), default=0.0)


def _q(b: BandBucket) -> tuple[float, float, float]:
    """A bucket's (q10, q50, q90) as applied: q50 0 where correcting the P50 did not help (the band then holds
    the model's P50)."""
    return (b.q10, b.q50, b.q90) if b.corrects else (min(b.q10, 0.0), 0.0, max(b.q90, 0.0))


def conformal_bounds(errors: Sequence[float]) -> tuple[float, float] | None:
    """The split-conformal P10 and P90 of ``errors``: the k-th smallest with k = floor(0.1 (n + 1)) and
    ceil(0.9 (n + 1)), so that a new exchangeable error falls between them with probability >= 80 %.
    None with too few errors for either (n < 9)."""
    n = len(errors)
    low_k, high_k = math.floor(LOWER * (n + 1)), math.ceil(UPPER * (n + 1))
    if low_k < 1 or high_k > n:
        return None
    ordered = sorted(errors)
    return ordered[low_k - 1], ordered[high_k - 1]


def bucket_of(days: int) -> int:
    """The index of the horizon bucket holding ``days`` (the last bucket beyond it)."""
    for i, edge in enumerate(HORIZON_EDGES):
        if days <= edge:
            return i
    return len(HORIZON_EDGES) - 1


def _bounds(i: int) -> tuple[int, int]:
    return (HORIZON_EDGES[i - 1] + 1 if i else 1), HORIZON_EDGES[i]


def calibrate(residuals: Sequence[Residual], *, until: dt.date | None = None) -> Calibration:
    """The calibrated band from ``residuals`` (only those whose weighing is dated on or before ``until`` when
    given: a backtest's calibration for an as-of date knows nothing later). Each phase's forecasts are split
    into weight classes by their starting weight (``classes_choose``: as many as the farm's residuals show to
    help). Each bucket's coverage is measured by a split in time: the band from the older half of the
    weighings, the share of the newer half inside it (each weighing's band widened by its own sampling error)."""
    usable = [r for r in residuals if (until is None or r.truth_date <= until) and r.horizon_days >= 1]
    if len(usable) < MIN_TOTAL:
        return Calibration(buckets=(), residuals=len(usable))
    ordered = sorted(usable, key=lambda r: r.truth_date)
    older, newer = ordered[: len(ordered) // 2], ordered[len(ordered) // 2 :]
    edges = classes_choose(older, newer) if len(older) >= MIN_TOTAL else {}
    buckets = _buckets(usable, edges)
    check = {_key(b): b for b in _buckets(older, edges)} if len(older) >= MIN_TOTAL else {}
    out = []
    for b in buckets:
        held = check.get(_key(b))
        out.append(_with_coverage(b, held, newer) if held else replace(b, corrects=False))
    return Calibration(buckets=tuple(out), residuals=len(usable))


#: the most weight classes a phase is split into; fewer when a class would rest on too few residuals
MAX_WEIGHT_CLASSES = 4


def class_edges(usable: Sequence[Residual], phase: str, k: int) -> tuple[float, ...]:
    """The starting weights that cut ``phase``'s forecasts into ``k`` classes of equal numbers of residuals
    (none when k < 2 or a class would hold fewer than 2 x MIN_BUCKET)."""
    weights = sorted(r.start_weight_g for r in usable if r.phase == phase)
    if k < 2 or len(weights) < 2 * MIN_BUCKET * k:
        return ()
    cuts = set()
    for j in range(1, k):
        i = len(weights) * j // k
        while 0 < i < len(weights) and weights[i] == weights[i - 1]:  # many forecasts of one weight: one class
            i += 1
        if 0 < i < len(weights):
            cuts.add(weights[i])
    return tuple(sorted(cuts))


def classes_choose(older: Sequence[Residual], newer: Sequence[Residual]) -> dict[str, tuple[float, ...]]:
    """Per phase, the weight classes (their edges) whose bias correction, calibrated on the older half of the
    residuals, leaves the smallest mean |error| on the newer half: forecasts of small and big fish err
    differently where the growth model is wrong about size, and alike where it is right."""
    chosen = {}
    for phase in PHASES:
        mine = [r for r in newer if r.phase == phase]
        best = None
        for k in range(1, MAX_WEIGHT_CLASSES + 1):
            edges = class_edges(older, phase, k)
            if k > 1 and not edges:
                continue
            calibration = Calibration(buckets=tuple(_buckets(older, {phase: edges}, phases=(phase,))), residuals=0)
            longest = max((r.horizon_days for r in mine), default=0)
            by_class = {}
            error = 0.0
            for r in mine:
                c = _class_of(edges, r.start_weight_g)
                if c not in by_class:
                    by_class[c] = calibration.offsets(phase, longest, r.start_weight_g)
                offsets = by_class[c]
                error += abs(r.log_error - (offsets[r.horizon_days - 1][1] if offsets else 0.0))
            if best is None or error < best[0] - 1e-12:
                best = (error, edges)
        chosen[phase] = best[1] if best else ()
    return chosen


def _key(b: BandBucket) -> tuple:
    return b.phase, b.weight_from_g, b.first_day


def _class_of(edges: tuple[float, ...], weight_g: float) -> int:
    return sum(weight_g >= e for e in edges)


def _buckets(
    usable: Sequence[Residual], edges: dict[str, tuple[float, ...]], phases: Sequence[str] = PHASES
) -> list[BandBucket]:
    """Per phase, weight class and horizon bucket the quantiles of the residuals; a cell with fewer than
    MIN_BUCKET is pooled with the phase's other classes, then with the other phase, then with neighbouring
    horizons."""
    grid: dict[tuple[str, int], list[Residual]] = {}
    cells: dict[tuple[str, int, int], list[Residual]] = {}
    for r in usable:
        i = bucket_of(r.horizon_days)
        grid.setdefault((r.phase, i), []).append(r)
        cells.setdefault((r.phase, _class_of(edges.get(r.phase, ()), r.start_weight_g), i), []).append(r)
    top = max(i for _, i in grid)
    out = []
    for phase in phases:
        cuts = edges.get(phase, ())
        for c in range(len(cuts) + 1):
            low, high = (cuts[c - 1] if c else 0.0), (cuts[c] if c < len(cuts) else None)
            for i in range(top + 1):
                pool, source = cells.get((phase, c, i), []), "bucket"
                if len(pool) < MIN_BUCKET and cuts:
                    pool, source = grid.get((phase, i), []), "classes"
                if len(pool) < MIN_BUCKET:
                    pool, source = [r for p in PHASES for r in grid.get((p, i), [])], "phases"
                width = 0
                while len(pool) < MIN_BUCKET and width < len(HORIZON_EDGES):
                    width += 1
                    pool, source = (
                        [r for p in PHASES for k in range(i - width, i + width + 1) for r in grid.get((p, k), [])],
                        "neighbours",
                    )
                found = _quantiles(pool)
                if found is not None:
                    first, last = _bounds(i)
                    out.append(
                        BandBucket(
                            phase,
                            first,
                            last,
                            *found,
                            n=len(pool),
                            source=source,
                            weight_from_g=low,
                            weight_to_g=high,
                        )
                    )
    return out


def _quantiles(pool: Sequence[Residual]) -> tuple[float, float, float] | None:
    """(q10, q50, q90) of the pool's errors with the weighings' sampling error taken out: the conformal bounds
    pulled towards the median by sqrt(1 - noise / spread), the spread read from the bounds themselves."""
    errors = [r.log_error for r in pool]
    bounds = conformal_bounds(errors)
    if bounds is None:
        return None
    low, high = bounds
    q50 = sorted(errors)[len(errors) // 2]
    spread = ((high - low) / (2 * 1.2815515655446004)) ** 2
    noise = sum(r.noise_var for r in pool) / len(pool)
    shrink = math.sqrt(max(MIN_SHRINK**2, 1 - noise / spread)) if spread > 0 else 1.0
    return q50 + (low - q50) * shrink, q50, q50 + (high - q50) * shrink


def _with_coverage(bucket: BandBucket, held: BandBucket, newer: Sequence[Residual]) -> BandBucket:
    """The bucket with its measured coverage, and whether correcting the P50 by the median error helps: the
    older half's median tried on the newer half's errors (mean |error| with it against without it)."""
    mine = [
        r
        for r in newer
        if r.phase == bucket.phase
        and bucket.first_day <= r.horizon_days <= bucket.last_day
        and bucket.holds(r.start_weight_g)
    ]
    coverage = sum(_inside(r, held) for r in mine) / len(mine) if len(mine) >= 10 else None
    corrects = len(mine) >= 10 and sum(abs(r.log_error - held.q50) for r in mine) < sum(abs(r.log_error) for r in mine)
    if len(mine) < 10:  # the widening from the phase's other weight classes, else from both phases
        mine = [r for r in newer if r.phase == bucket.phase and bucket.first_day <= r.horizon_days <= bucket.last_day]
    if len(mine) < 10:
        mine = [r for r in newer if bucket.first_day <= r.horizon_days <= bucket.last_day]
    s = _widening(mine, held)
    return replace(
        bucket,
        coverage=coverage,
        corrects=corrects,
        q10=bucket.q50 + s * (bucket.q10 - bucket.q50),
        q90=bucket.q50 + s * (bucket.q90 - bucket.q50),
        widened=s,
    )


#: the most a band is widened by its measured coverage
WIDEN_MAX = 2.0
WIDEN_STEP = 0.05


def _widening(mine: Sequence[Residual], held: BandBucket) -> float:
    """The least factor (1, 1.05, ... up to WIDEN_MAX) by which the older half's band, widened about its median,
    would have held 80 % of the newer half's weighings (less what chance alone leaves out): a band calibrated on errors that are not exchangeable
    (a farm's few batches, a season the older half had not seen) is widened by what the farm's own time split
    shows it missed, never narrowed. 1 with fewer than 10 newer weighings."""
    if len(mine) < 10:
        return 1.0
    nominal = UPPER - LOWER
    # a shortfall within the noise of a share of len(mine) weighings (1.28 standard errors) is no shortfall
    enough = nominal - 1.2815515655446004 * math.sqrt(nominal * (1 - nominal) / len(mine))
    s = 1.0
    while s < WIDEN_MAX:
        wider = replace(held, q10=held.q50 + s * (held.q10 - held.q50), q90=held.q50 + s * (held.q90 - held.q50))
        if sum(_inside(r, wider) for r in mine) >= enough * len(mine):
            return s
        s = round(s + WIDEN_STEP, 10)
    return WIDEN_MAX


def _inside(r: Residual, b: BandBucket) -> bool:
    """Whether a weighing lies in the band widened by its own sampling error (the band is for the fish)."""
    z = 1.2815515655446004
    noise = r.noise_var * z * z
    low = b.q50 - math.sqrt((b.q50 - b.q10) ** 2 + noise)
    high = b.q50 + math.sqrt((b.q90 - b.q50) ** 2 + noise)
    return low <= r.log_error <= high


def calibrated_band(
    p50: Sequence[float], factors: Sequence[tuple[float, float, float]], floor_g: float
) -> tuple[list[float], list[float], list[float]]:
    """P10, P50 and P90 weights from the growth model's P50 weights and the calibrated factors (exp of q10, q50,
    q90) of each day: the model's P50 corrected by the median of its past errors on this farm, the band around
    it from their P10 and P90. P10 never below ``floor_g`` (the starting weight: fish do not shrink); P50 and
    P90 never falling (so that the crossings' bisection holds)."""
    p10, mid, p90, top, middle = [], [], [], 0.0, 0.0
    for w, (f10, f50, f90) in zip(p50, factors):
        if w * f50 > middle:
            middle = w * f50
        mid.append(middle)
        low = w * f10
        p10.append(middle if low > middle else (floor_g if low < floor_g else low))
        high = w * f90
        if high > top:
            top = high
        if middle > top:
            top = middle
        p90.append(top)
    return p10, mid, p90


def band_calibrated(
    projection,
    calibration: Calibration,
    *,
    phase: str,
    start,
    target_weight_g: float,
    sea_transfer_weight_g: float | None = None,
):
    """``projection`` (from ``project``) with its P10/P50/P90 weights from ``calibration`` for ``phase``
    (``calibrated_band``) and its harvest and sea-transfer crossings found again on them; unchanged when the
    farm is not calibrated."""
    factors = calibration.factors(phase, projection.days, start.weight_g)
    if factors is None:
        return projection
    from apps.forecast.engine.projection import crossing

    p10, p50, p90 = calibrated_band(projection.weight_g["p50"], factors, start.weight_g)
    projection.weight_g = {"p10": p10, "p50": p50, "p90": p90}
    projection.harvest = crossing(start, projection.weight_g, target_weight_g)
    h = projection.harvest
    projection.harvest_date, projection.harvest_date_early, projection.harvest_date_late = h.date, h.early, h.late
    if sea_transfer_weight_g is not None:
        projection.sea_transfer = crossing(start, projection.weight_g, sea_transfer_weight_g)
    return projection


def forecast_residuals(
    *, as_of: dt.date, phase: str, p50: Sequence[float], samples, start_weight_g: float = 0.0
) -> list[Residual]:
    """The residuals of one forecast (daily P50 weights from the day after ``as_of``, starting from
    ``start_weight_g``) against the assignment's later weighings ``samples``: (date, mean weight g, sd g or None,
    fish weighed), any order; those after the forecast's last day or on or before ``as_of`` are skipped."""
    out = []
    for day, mean_g, sd_g, n in samples:
        h = (day - as_of).days
        if 1 <= h <= len(p50) and mean_g > 0 and p50[h - 1] > 0:
            noise = (sd_g / mean_g) ** 2 / n if sd_g and n else 0.0
            out.append(Residual(h, phase, math.log(mean_g / p50[h - 1]), day, noise, start_weight_g))
    return out
