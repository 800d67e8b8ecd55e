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
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from statistics import NormalDist

METHOD_VERSION = "conformal-1"
#: the buckets' last days: 1-15, 16-45, 46-75, 76-105, 106-165, 166-255, 256-400 days ahead
HORIZON_EDGES = (15, 45, 75, 105, 165, 255, 400)
FACTOR_DAYS = HORIZON_EDGES[-1]  # the factors of a weight class are worked out for at least this many days at once
PHASES = ("fresh", "sea")
LOWER, UPPER = 0.10, 0.90
MIN_BUCKET = 40  # residuals a bucket needs on its own before it is pooled with coarser ones
MIN_TOTAL = 60  # residuals the farm needs before its band is calibrated at all
#: a bucket's spread is never shrunk below this share by the removal of the weighings' sampling error
MIN_SHRINK = 0.5
#: residuals at which a cell's own quantiles and those pooled over its neighbouring horizons weigh alike
POOL_PRIOR = 80
#: the horizons pooled for a bucket: its own and HORIZON_REACH buckets each side
HORIZON_REACH = 1
#: how the errors' spread grows with the horizon (spread ~ days^power), measured per farm within these bounds
HORIZON_POWER_BOUNDS = (0.25, 1.0)
HORIZON_POWER_DEFAULT = 0.5
#: the conservative finite-sample rule: a pool of n forecasts is calibrated for 80 % + A / n
CONSERVATIVE_A = 1.0
LEVEL_MAX = 0.9


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
    #: which forecast it scores (its as-of date and starting weight, and its batch where known): the residuals
    #: of one forecast are not independent, so a cell's effective size counts forecasts, and those of one batch
    #: count at most BATCH_UNITS times (None: a forecast of its own)
    forecast: tuple | None = None


def _forecast_of(r: Residual) -> object:
    """The forecast residual ``r`` scores (its ``forecast``; a forecast of its own where that is not known)."""
    return r.forecast if r.forecast is not None else id(r)


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
    #: the number of forecasts its quantiles rest on (``effective_size``)
    forecasts: int = field(default=0, compare=False)  # not stored: q50 is stored shrunk
    #: the starting weights of the forecasts its median was read from (``like_range``): the P50 of a forecast
    #: starting outside them is not corrected (None: no bound)
    like_from_g: float | None = None
    like_to_g: float | None = None

    @property
    def middle(self) -> float:
        return (self.first_day + self.last_day) / 2

    def holds(self, weight_g: float) -> bool:
        return self.weight_from_g <= weight_g and (self.weight_to_g is None or weight_g < self.weight_to_g)

    def alike(self, weight_g: float | None) -> bool:
        """Whether a forecast starting from ``weight_g`` is like those the median correction was read from
        (None: any forecast)."""
        return weight_g is None or (
            (self.like_from_g is None or weight_g >= self.like_from_g)
            and (self.like_to_g is None or weight_g <= self.like_to_g)
        )


@dataclass(frozen=True)
class Calibration:
    """The farm's calibrated band: buckets by phase, or none (``calibrated`` false: the closed-form band)."""

    buckets: tuple[BandBucket, ...]
    residuals: int
    version: str = METHOD_VERSION
    #: factors(): exp of the offsets by (phase, weight class), worked out once per calibration (a refresh applies
    #: the same calibration to every assignment, and forecast_settings_load keeps one calibration while its rows
    #: stay the same)
    _factors: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def calibrated(self) -> bool:
        return bool(self.buckets)

    def offsets(self, phase: str, days: int, weight_g: float | None = None) -> list[tuple[float, float, float]] | None:
        """(q10, q50, q90) for each of the days 1..``days`` ahead of a forecast starting from ``weight_g`` (its
        weight class's buckets): linear between the buckets' middles, the first bucket's before its middle, and
        beyond the last bucket its quantiles growing with the horizon (the errors of a growth rate grow with the
        days it runs). None when not calibrated."""
        own = sorted(
            (b for b in self.buckets if b.phase == phase and b.holds(weight_g or 0.0)), key=lambda b: b.first_day
        )
        if not own:
            return None
        own = [b if b.alike(weight_g) else replace(b, corrects=False) for b in own]
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

    def factors(self, phase: str, days: int, weight_g: float | None = None) -> list[tuple[float, float, float]] | None:
        """exp of ``offsets``: the factors P10, P50 and P90 are of the model's P50, day by day. A day's offsets do
        not depend on how many days are asked for, so each weight class's are worked out once, for the longest
        horizon asked so far, and sliced."""
        key = (phase, self.weight_class(phase, weight_g or 0.0), self._alike(phase, weight_g))
        known = self._factors.get(key, ())
        if known is None:
            return None
        if len(known) < days:
            offsets = self.offsets(phase, max(days, FACTOR_DAYS), weight_g)
            known = None if offsets is None else [tuple(math.exp(q) for q in day) for day in offsets]
            self._factors[key] = known
            if known is None:
                return None
        return known[:days]

    def _alike(self, phase: str, weight_g: float | None) -> tuple[bool, ...]:
        """Which of the phase's buckets would correct a forecast starting from ``weight_g``."""
        return tuple(b.alike(weight_g) for b in self.buckets if b.phase == phase)

    def replaces(self, phase: str, days: int, weight_g: float | None = None) -> bool:
        """Whether ``band_calibrated`` puts this calibration's band on a forecast of ``phase`` starting from
        ``weight_g`` (else the closed-form band stays): a caller need not build the closed-form band first."""
        return self.factors(phase, days, weight_g) is not None

    def weight_class(self, phase: str, weight_g: float) -> float:
        """The lower bound of the weight class of ``phase`` holding ``weight_g`` (0 without classes)."""
        return max((b.weight_from_g for b in self.buckets if b.phase == phase and b.holds(weight_g)), default=0.0)


def _q(b: BandBucket) -> tuple[float, float, float]:
    """A bucket's (q10, q50, q90) as applied: q50 0 where correcting the P50 did not help (the band then holds
    the model's P50)."""
    return (b.q10, b.q50, b.q90) if b.corrects else (min(b.q10, 0.0), 0.0, max(b.q90, 0.0))


def conformal_bounds(errors: Sequence[float], level: float = UPPER - LOWER) -> tuple[float, float] | None:
    """The split-conformal P10 and P90 of ``errors``: the k-th smallest with k = floor(0.1 (n + 1)) and
    ceil(0.9 (n + 1)), so that a new exchangeable error falls between them with probability >= 80 %
    (``level``: another central share, the tails split evenly). None with too few errors for either (n < 9)."""
    n = len(errors)
    tail = (1 - level) / 2
    low_k, high_k = math.floor(round(tail * (n + 1), 9)), math.ceil(round((1 - tail) * (n + 1), 9))
    if low_k < 1 or high_k > n:
        return None
    ordered = sorted(errors)
    return ordered[low_k - 1], ordered[high_k - 1]


def _residual_order(r: Residual) -> tuple:
    """The order ``calibrate`` puts residuals in, whatever the caller's: by date, and within a date by a fixed
    scramble of what names the weighing and its forecast (neither the error nor the horizon, which the split in
    time must not sort by); residuals that agree in all of it keep the caller's order. The forecast's batch is
    left out: its id is the database's numbering, and the same farm in another database (imported, or generated
    after other farms) must get the same band."""
    named = r.forecast[:2] if r.forecast else None  # as-of date and starting weight
    return r.truth_date, zlib.crc32(repr((r.phase, r.horizon_days, r.start_weight_g, named)).encode())


def bucket_of(days: int) -> int:
    """The index of the horizon bucket holding ``days`` (the last bucket beyond it)."""
    return _BUCKET_OF[days] if 0 <= days <= HORIZON_EDGES[-1] else (0 if days < 0 else len(HORIZON_EDGES) - 1)


_BUCKET_OF = [next(i for i, edge in enumerate(HORIZON_EDGES) if d <= edge) for d in range(HORIZON_EDGES[-1] + 1)]


def _bounds(i: int) -> tuple[int, int]:
    return (HORIZON_EDGES[i - 1] + 1 if i else 1), HORIZON_EDGES[i]


def calibrate(
    residuals: Sequence[Residual],
    *,
    until: dt.date | None = None,
    classes: bool = True,
    shrink: bool = True,
    edges: dict[str, tuple[float, ...]] | None = None,
    widths: str | None = None,
    unrecorded: bool = True,
    history: bool = True,
) -> Calibration:
    """The calibrated band from ``residuals`` (only those whose weighing is dated on or before ``until`` when
    given: a backtest's calibration for an as-of date knows nothing later). Each phase's forecasts are split
    into weight classes by their starting weight (``classes_choose``: as many as the farm's residuals show to
    help). Each bucket's coverage is measured by a split in time: the band from the older half of the
    weighings, the share of the newer half inside it (each weighing's band widened by its own sampling error).
    How a class's band is as wide (``WIDTH_RULES``) is chosen per phase by the same split (``widths_choose``).
    ``edges`` and ``widths``: the classes and the width rule for every phase, given instead of chosen.
    ``unrecorded``: add the weighings' error that their recorded sampling variance misses (``unrecorded_variance``)
    to each residual's before anything else. ``history``: bring every residual to the spread of a forecast made
    on ``until`` (else the newest weighing's date) where the farm's errors shrank as its history grew
    (``history_scaled``)."""
    # in one order whatever the caller's (the split in time below breaks ties of a date by position)
    usable = sorted(
        (r for r in residuals if (until is None or r.truth_date <= until) and r.horizon_days >= 1), key=_residual_order
    )
    extra = unrecorded_variance(usable) if unrecorded else {}
    if any(extra.values()):
        usable = [replace(r, noise_var=r.noise_var + extra.get(r.phase, 0.0)) for r in usable]
    if history and usable:
        usable = history_scaled(usable, until or max(r.truth_date for r in usable))
    if len(usable) < MIN_TOTAL:
        return Calibration(buckets=(), residuals=len(usable))
    ordered = sorted(usable, key=lambda r: r.truth_date)
    older, newer = ordered[: len(ordered) // 2], ordered[len(ordered) // 2 :]
    older_power = horizon_power(older) if len(older) >= MIN_TOTAL else None
    if edges is None:
        edges = classes_choose(older, newer, power=older_power) if classes and len(older) >= MIN_TOTAL else {}
    if widths is not None:
        rules = {p: widths for p in PHASES}
    elif any(edges.values()) and len(older) >= MIN_TOTAL:
        rules = widths_choose(older, newer, edges)
    else:
        rules = {}
    buckets = _buckets(usable, edges)
    check = {_key(b): b for b in _buckets(older, edges, power=older_power)} if len(older) >= MIN_TOTAL else {}
    pairs: dict[str, list] = {}  # per phase, each newer residual with the older half's bucket that held it
    by_cell: dict[tuple, list[Residual]] = {}
    for r in newer:
        held = _holding(check, r, edges)
        if held is not None:
            pairs.setdefault(r.phase, []).append((r, held))
            by_cell.setdefault(_key(held), []).append(r)
    phase_factor = {p: _widening(v) for p, v in pairs.items()}
    everywhere = _widening([x for v in pairs.values() for x in v])
    out = []
    for b in buckets:
        held = check.get(_key(b))
        pooled = phase_factor.get(b.phase, everywhere)
        out.append(_with_coverage(b, held, by_cell.get(_key(b), []), pooled) if held else replace(b, corrects=False))
    wholes: dict[str, dict] = {}
    for rule in {rules.get(p, "centred") for p, cuts in edges.items() if cuts} - {"own"}:
        # "centred": the band's widths are the phase's over all weights, of the residuals about their own
        # class's median (the spread the classes' medians leave, read from all the residuals), that median shrunk
        # by its forecasts as the correction is: centring each cell on the median of a few forecasts would take
        # their shared luck out of the spread. "phase": the phase's widths over all weights about its median.
        medians = {_key(b): _shrunk(b).q50 for b in buckets} if rule == "centred" else {}
        centred = [
            replace(r, log_error=r.log_error - medians.get(_cell(r, edges), 0.0), start_weight_g=0.0) for r in usable
        ]
        wholes[rule] = {
            (b.phase, b.first_day): b
            for b in calibrate(centred, edges={}, shrink=False, unrecorded=False, history=False).buckets
        }
    if wholes:
        out = [
            _with_widths(b, wholes[rules.get(b.phase, "centred")].get((b.phase, b.first_day)))
            if edges.get(b.phase) and rules.get(b.phase, "centred") in wholes
            else b
            for b in out
        ]
    return Calibration(buckets=tuple(_shrunk(b) if shrink else b for b in out), residuals=len(usable))


#: the trend of the errors' spread over the farm's history is read from the forecasts of these horizons: at
#: shorter ones the weighings' own error, which does not shrink, is most of it; longer ones are few
TREND_HORIZONS = (16, 105)
#: the trend is used only where the spread shrank by more than this many standard errors (counted over batches)
TREND_Z = 2.0
#: the slope used is the measured one less this many of its standard errors (towards 0: a band narrowed by a
#: trend's luck is too narrow for today)
TREND_BACK = 1.0
#: the fewest batches, and forecasts, the trend is read from
TREND_MIN_BATCHES = 6
TREND_MIN_FORECASTS = 30
#: the least span of the forecasts' dates the trend is read over (a trend read over a few months is mostly luck)
TREND_MIN_SPAN_DAYS = 365
#: an older forecast's error is brought at most down to this share of itself (about its cell's median)
TREND_FLOOR = 0.5


def history_trend(residuals: Sequence[Residual]) -> dict[int, float]:
    """How fast the spread of the farm's forecast errors changes with the date the forecast was made, per horizon
    bucket: b in spread ~ exp(b x date), at most 0 (a growing spread is left to the time split's widening); the
    buckets before TREND_HORIZONS 0, those after it the last one's. A farm's errors shrink as its history grows —
    the learned model and the choice of ways have more to learn from — and the more the longer the forecast runs
    (what shrinks is the error of the growth rate, which adds up over the days; the weighings' own error does
    not), so a band from all its past errors alike is too wide for today's forecasts. Read per cell (phase and
    horizon bucket of TREND_HORIZONS): each forecast's mean squared error about the cell's median over the
    cell's mean of those, in logs, regressed on the forecast's date (both about the cell's means); standard errors
    clustered by batch (a batch's forecasts share its luck). Used only where the buckets together show the
    spread shrinking by more than TREND_Z standard errors (their dates weighed by the buckets' middle horizons),
    from enough batches and forecasts over a long enough span of dates; each bucket's slope then less TREND_BACK
    of its standard errors. Empty otherwise."""
    first, last = TREND_HORIZONS
    cells: dict[tuple, list[Residual]] = {}
    for r in residuals:
        if first <= r.horizon_days <= last and _dated(r) and len(r.forecast) > 2:
            cells.setdefault((r.phase, bucket_of(r.horizon_days)), []).append(r)
    points: dict[int, list] = {}  # per bucket: (date, log squared error, batch) about their cell's means
    forecasts = set()
    for (_, i), rs in cells.items():
        errors = sorted(r.log_error for r in rs)
        median = errors[len(errors) // 2]
        mean_square = sum((e - median) ** 2 for e in errors) / len(errors)
        if mean_square <= 0:
            continue
        squares: dict[tuple, list[float]] = {}
        for r in rs:
            squares.setdefault(r.forecast, []).append((r.log_error - median) ** 2 / mean_square)
        cell = [(f[0].toordinal(), math.log(max(sum(v) / len(v), 1e-4)), f[2]) for f, v in squares.items()]
        mean_x = sum(x for x, _, _ in cell) / len(cell)
        mean_y = sum(y for _, y, _ in cell) / len(cell)
        points.setdefault(i, []).extend((x - mean_x, y - mean_y, b) for x, y, b in cell)
        forecasts |= squares.keys()
    if (
        len(forecasts) < TREND_MIN_FORECASTS
        or len({b for ps in points.values() for _, _, b in ps}) < TREND_MIN_BATCHES
        or (max(f[0] for f in forecasts) - min(f[0] for f in forecasts)).days < TREND_MIN_SPAN_DAYS
    ):
        return {}
    weighed = [(x * sum(_bounds(i)) / 2, y, b) for i, ps in points.items() for x, y, b in ps]
    slope, se = _clustered_slope(weighed)
    if slope >= -TREND_Z * se:
        return {}
    out = {}
    for i, ps in points.items():
        slope, se = _clustered_slope(ps)
        out[i] = min(0.0, (slope + TREND_BACK * se) / 2)  # the squares' slope: the spread's is half of it
    top = max(out)
    return {j: out.get(min(j, top), 0.0) for j in range(len(HORIZON_EDGES))}


def _dated(r: Residual) -> bool:
    """Whether the residual names its forecast's date (the nightly calibration's and the backtest's do)."""
    return r.forecast is not None and isinstance(r.forecast[0], dt.date)


def _clustered_slope(points: Sequence[tuple[float, float, object]]) -> tuple[float, float]:
    """The least-squares slope of y on x through the origin (``points``: x, y, cluster; both about their means)
    and its standard error clustered by the third item."""
    sxx = sum(x * x for x, _, _ in points)
    if sxx <= 0:
        return 0.0, math.inf
    slope = sum(x * y for x, y, _ in points) / sxx
    by_cluster: dict = {}
    for x, y, b in points:
        by_cluster[b] = by_cluster.get(b, 0.0) + x * (y - slope * x)
    return slope, math.sqrt(sum(v * v for v in by_cluster.values())) / sxx


def history_scaled(residuals: Sequence[Residual], reference: dt.date) -> list[Residual]:
    """``residuals`` with each forecast's error brought to the spread of one made on ``reference``
    (``history_trend``): its distance from its cell's median (phase and horizon bucket) multiplied by exp(b x
    (reference - its forecast's date)), b its bucket's, the factor at least TREND_FLOOR; its sampling variance by
    the square (the band is worked out on the errors as scaled). The medians stay: the P50's correction is read
    from all the past as before."""
    slopes = history_trend(residuals)
    if not any(slopes.values()):
        return list(residuals)
    cells: dict[tuple, list[float]] = {}
    for r in residuals:
        cells.setdefault((r.phase, bucket_of(r.horizon_days)), []).append(r.log_error)
    medians = {k: sorted(v)[len(v) // 2] for k, v in cells.items()}
    out = []
    for r in residuals:
        i = bucket_of(r.horizon_days)
        if not _dated(r) or not slopes.get(i):
            out.append(r)
            continue
        f = max(TREND_FLOOR, min(1.0, math.exp(slopes[i] * (reference - r.forecast[0]).days)))
        m = medians[r.phase, i]
        out.append(replace(r, log_error=m + (r.log_error - m) * f, noise_var=r.noise_var * f * f))
    return out


#: consecutive weighings of one forecast at most this far apart show the weighings' own error (a forecast's error
#: changes little over a few weeks; a weighing's error jumps from one to the next)
UNRECORDED_SPAN_DAYS = 60
#: the unrecorded error is taken as its estimate less this many standard errors (none unless clearly there)
UNRECORDED_Z = 2.0
UNRECORDED_MIN_TRIPLES = 10


def unrecorded_variance(residuals: Sequence[Residual]) -> dict[str, float]:
    """Per phase, the variance (log space) of the weighings' error beyond what their recorded sampling variance
    says: a crowded net that catches the bigger fish, a cast that is not a random one. Read from the farm's own
    residuals: for three consecutive weighings a, b, c of one forecast within UNRECORDED_SPAN_DAYS, the forecast's
    error changes about linearly, so b's distance from the line through a and c, d = e_b - ((1 - t) e_a + t e_c),
    is the weighings' errors: E[d^2] = (1 + (1 - t)^2 + t^2) sigma^2 for weighings of error variance sigma^2. The
    mean of (d^2 - the recorded variances of the three) / (1 + (1 - t)^2 + t^2), less UNRECORDED_Z standard errors
    of it, at least 0: a farm whose samples err as their sizes say (or with too few weighings to tell) adds
    nothing; one whose nets catch the bigger fish on some days gets a band for the fish, not for those days."""
    series: dict[tuple, list[Residual]] = {}
    for r in residuals:
        series.setdefault((r.phase, r.forecast), []).append(r)
    sums: dict[str, list[float]] = {}
    for (phase, forecast), rs in series.items():
        if forecast is None or len(rs) < 3:
            continue
        rs.sort(key=lambda r: r.horizon_days)
        for a, b, c in zip(rs, rs[1:], rs[2:]):
            span = c.horizon_days - a.horizon_days
            if span <= 0 or span > UNRECORDED_SPAN_DAYS:
                continue
            t = (b.horizon_days - a.horizon_days) / span
            k = 1 + (1 - t) ** 2 + t * t
            d = b.log_error - ((1 - t) * a.log_error + t * c.log_error)
            x = (d * d - (b.noise_var + (1 - t) ** 2 * a.noise_var + t * t * c.noise_var)) / k
            acc = sums.setdefault(phase, [0, 0.0, 0.0])
            acc[0] += 1
            acc[1] += x
            acc[2] += x * x
    out = {}
    for phase, (n, total, squares) in sums.items():
        if n < UNRECORDED_MIN_TRIPLES:
            continue
        mean = total / n
        se = math.sqrt(max(0.0, squares / n - mean * mean) / n)
        out[phase] = max(0.0, mean - UNRECORDED_Z * se)
    return out


#: how wide a weight class's band is, simplest first: "phase" (the class's median, the widths of the phase's
#: band over all weights about the phase's median), "centred" (the class's median, the widths of the phase's
#: residuals each about its own class's median), "own" (the class's median and its own residuals' widths). The
#: classes themselves, and so their medians, are ``classes_choose``'s: until issue 18's twelfth round a first
#: rule, "one" (one median and band for all weights), could drop the classes that choice had found to help
WIDTH_RULES = ("phase", "centred", "own")
#: a width rule is preferred to a simpler one only where its tails' distance from 10 % each on the newer half is
#: smaller by more than this many standard errors of that distance
WIDTHS_Z = 2.0


def widths_choose(
    older: Sequence[Residual], newer: Sequence[Residual], edges: dict[str, tuple[float, ...]]
) -> dict[str, str]:
    """Per phase with weight classes, the width rule (``WIDTH_RULES``) whose band, calibrated on the older half
    of the residuals (with ``edges``), holds closest to 80 % of the newer half, 10 % on each side: the least
    sum over the cells (weight class of ``edges`` and horizon bucket, 10 newer residuals or more) of |share
    below P10 - 10 %| + |share above P90 - 10 %| (one side each: a band over all weights holds 80 % of each of
    two classes apart by missing one on one side and the other on the other) — the simplest rule within
    WIDTHS_Z standard errors of the least (sqrt of the sum of 0.18 / forecasts over the cells). Whether a class's spread is its own depends on the farm: where the growth law errs alike at every
    size a quarter of the residuals reads it too narrow, where it does not the spread of all of them is wrong
    for each class."""
    scores: dict[str, dict[str, float]] = {}
    noise: dict[str, float] = {}
    for rule in WIDTH_RULES:
        calibration = calibrate(older, edges=edges, widths=rule, unrecorded=False, history=False)
        cells: dict[tuple, list[bool]] = {}
        forecasts: dict[tuple, set] = {}
        for r in newer:
            cuts = edges.get(r.phase, ())
            if not cuts:
                continue
            key = (r.phase, _class_of(cuts, r.start_weight_g), bucket_of(r.horizon_days))
            first = _bounds(key[2])[0]
            held = next(
                (
                    b
                    for b in calibration.buckets
                    if b.phase == r.phase and b.first_day == first and b.holds(r.start_weight_g)
                ),
                None,
            )
            if held is None:
                continue
            cells.setdefault(key, []).append(_side(r, *_q(held)))
            forecasts.setdefault(key, set()).add(_forecast_of(r))
        for key, inside in cells.items():
            if len(inside) < 10:
                continue
            phase = key[0]
            below, above = sum(s < 0 for s in inside) / len(inside), sum(s > 0 for s in inside) / len(inside)
            scores.setdefault(phase, {}).setdefault(rule, 0.0)
            scores[phase][rule] += abs(below - LOWER) + abs(above - (1 - UPPER))
            if rule == WIDTH_RULES[0]:  # the variance of the sum of two tail shares, about LOWER each
                noise[phase] = noise.get(phase, 0.0) + 2 * LOWER * (1 - LOWER) / len(forecasts[key])
    chosen = {}
    for phase, by_rule in scores.items():
        if any(rule not in by_rule for rule in WIDTH_RULES):
            chosen[phase] = "centred"
            continue
        least = min(by_rule.values())
        margin = WIDTHS_Z * math.sqrt(noise.get(phase, 0.0))
        chosen[phase] = next(rule for rule in WIDTH_RULES if by_rule[rule] <= least + margin)
    return chosen


def _cell(r: Residual, edges: dict) -> tuple:
    """The key (``_key``) of the bucket holding residual ``r``."""
    cuts = edges.get(r.phase, ())
    c = _class_of(cuts, r.start_weight_g)
    return r.phase, (cuts[c - 1] if c else 0.0), _bounds(bucket_of(r.horizon_days))[0]


def _with_widths(b: BandBucket, whole: BandBucket | None) -> BandBucket:
    """A weight class's bucket with the band's widths about its median of the phase's bucket over all weights
    (``whole``): the classes are chosen for the median, and a class's spread read from a quarter of the
    residuals was too narrow where the errors do not depend on size and too wide where they do."""
    if whole is None:
        return b
    return replace(b, q10=b.q50 - (whole.q50 - whole.q10), q90=b.q50 + (whole.q90 - whole.q50), widened=whole.widened)


def _correction_helps(mine: Sequence[Residual], q50: float) -> bool:
    """Whether correcting by ``q50`` (the older half's median) made the newer half's errors (``mine``) smaller,
    by more than chance: the mean gain in |error| above CORRECT_Z standard errors, counted over the forecasts
    (the residuals of one forecast err alike). At least 10 residuals."""
    if len(mine) < 10:
        return False
    gains: dict = {}
    for r in mine:
        gains.setdefault(_forecast_of(r), []).append(abs(r.log_error) - abs(r.log_error - q50))
    per = [sum(g) / len(g) for g in gains.values()]
    mean = sum(per) / len(per)
    if len(per) < 2:
        return mean > 0 and CORRECT_Z <= 0
    sd = math.sqrt(sum((g - mean) ** 2 for g in per) / (len(per) - 1))
    return mean > CORRECT_Z * sd / math.sqrt(len(per))


def _shrunk(b: BandBucket) -> BandBucket:
    """The bucket with its median correction shrunk towards 0 by how well its forecasts know it: q50 x q50^2 /
    (q50^2 + SHRINK_K x se^2), se^2 = (pi / 2) sd^2 / forecasts (the sampling variance of a median), sd read from
    the band. A few forecasts' median is mostly their own luck; many forecasts' is the farm's bias."""
    if not b.forecasts or b.q50 == 0.0:
        return b
    sd = (b.q90 - b.q10) / (2 * 1.2815515655446004)
    se2 = SHRINK_K * (math.pi / 2) * sd * sd / b.forecasts
    return replace(b, q50=b.q50 * b.q50 * b.q50 / (b.q50 * b.q50 + se2))


def _holding(check: dict, r: Residual, edges: dict) -> BandBucket | None:
    """The bucket of ``check`` (by phase, weight class and horizon) that holds residual ``r``."""
    cuts = edges.get(r.phase, ())
    c = _class_of(cuts, r.start_weight_g)
    first, _ = _bounds(bucket_of(r.horizon_days))
    return check.get((r.phase, cuts[c - 1] if c else 0.0, first))


#: the most weight classes a phase is split into; fewer when a class would rest on too few residuals
MAX_WEIGHT_CLASSES = 4
#: weight classes are kept only where they cut the newer half's errors by this many standard errors
CLASS_Z = 2.0


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


def classes_choose(
    older: Sequence[Residual], newer: Sequence[Residual], *, power: float | None = None
) -> dict[str, tuple[float, ...]]:
    """Per phase, the weight classes (their edges) whose band, calibrated on the older half of the residuals,
    scores best on the newer half (the quantile loss of its P10, P50 and P90, ``_quantile_loss``), and better
    than one class's by more than chance (CLASS_Z standard errors of the mean gain over the forecasts; up to
    three splits are tried): forecasts of small and big fish err differently — in their median or in their
    spread — where the growth model is wrong about size, and alike where it is right (one class: a split
    chosen by noise would calibrate each class on fewer residuals for nothing)."""
    if power is None:
        power = horizon_power(older)
    chosen = {}
    for phase in PHASES:
        mine = [r for r in newer if r.phase == phase]
        longest = max((r.horizon_days for r in mine), default=0)
        tried = []
        for k in range(1, MAX_WEIGHT_CLASSES + 1):
            edges = class_edges(older, phase, k)
            if k > 1 and not edges:
                continue
            calibration = Calibration(
                buckets=tuple(_buckets(older, {phase: edges}, phases=(phase,), power=power)), residuals=0
            )
            by_class = {}
            errors = []
            for r in mine:
                c = (_class_of(edges, r.start_weight_g), calibration._alike(phase, r.start_weight_g))
                if c not in by_class:
                    by_class[c] = calibration.offsets(phase, longest, r.start_weight_g)
                offsets = by_class[c]
                errors.append(_quantile_loss(r.log_error, offsets[r.horizon_days - 1] if offsets else (0.0,) * 3))
            tried.append((edges, errors))
        if not tried:
            chosen[phase] = ()
            continue
        base = tried[0][1]
        best, best_gain = (), 0.0
        for edges, errors in tried[1:]:
            gains: dict = {}
            for r, e0, e in zip(mine, base, errors):
                gains.setdefault(_forecast_of(r), []).append(e0 - e)
            per = [sum(g) / len(g) for g in gains.values()]
            if len(per) < 2:
                continue
            mean = sum(per) / len(per)
            sd = math.sqrt(sum((g - mean) ** 2 for g in per) / (len(per) - 1))
            if mean > CLASS_Z * sd / math.sqrt(len(per)) and mean > best_gain:
                best, best_gain = edges, mean
        chosen[phase] = best
    return chosen


def _quantile_loss(error: float, q: tuple[float, float, float]) -> float:
    """How far the band (q10, q50, q90) missed one error, by the quantile (pinball) loss of its three quantiles:
    a proper score, smallest in expectation for the true quantiles, so a band whose median is off and one whose
    widths are off both lose (classes whose errors spread differently are kept, not only those whose medians
    differ)."""
    loss = 0.0
    for level, value in zip((LOWER, 0.5, UPPER), q):
        loss += (level - (error < value)) * (error - value)
    return loss


def _key(b: BandBucket) -> tuple:
    return b.phase, b.weight_from_g, b.first_day


def _class_of(edges: tuple[float, ...], weight_g: float) -> int:
    return sum(weight_g >= e for e in edges)


def horizon_power(usable: Sequence[Residual]) -> float:
    """How the farm's errors spread with the horizon: the slope of ln(the P10-P90 width) on ln(days) over the
    horizon buckets from 16 days on with MIN_BUCKET residuals or more (both phases), within
    HORIZON_POWER_BOUNDS; HORIZON_POWER_DEFAULT (a random walk's square root) with fewer than two buckets."""
    by_bucket: dict[int, list[float]] = {}
    for r in usable:
        by_bucket.setdefault(bucket_of(r.horizon_days), []).append(r.log_error)
    points = []
    for i, errors in by_bucket.items():
        bounds = conformal_bounds(errors)
        if i == 0 or len(errors) < MIN_BUCKET or bounds is None or bounds[1] <= bounds[0]:
            continue
        first, last = _bounds(i)
        points.append((math.log((first + last) / 2), math.log(bounds[1] - bounds[0]), len(errors)))
    if len(points) < 2:
        return HORIZON_POWER_DEFAULT
    total = sum(w for _, _, w in points)
    mx = sum(x * w for x, _, w in points) / total
    my = sum(y * w for _, y, w in points) / total
    sxx = sum(w * (x - mx) ** 2 for x, _, w in points)
    if sxx <= 0:
        return HORIZON_POWER_DEFAULT
    slope = sum(w * (x - mx) * (y - my) for x, y, w in points) / sxx
    return min(HORIZON_POWER_BOUNDS[1], max(HORIZON_POWER_BOUNDS[0], slope))


def _buckets(
    usable: Sequence[Residual],
    edges: dict[str, tuple[float, ...]],
    phases: Sequence[str] = PHASES,
    power: float | None = None,
) -> list[BandBucket]:
    """Per phase, weight class and horizon bucket the quantiles of the residuals, shrunk towards those of the
    residuals of the neighbouring horizons (HORIZON_REACH buckets each side), each brought to
    the bucket's middle by (middle / its days)^power (``horizon_power``): the cell's own quantiles weigh
    n / (n + POOL_PRIOR). A pool with fewer than MIN_BUCKET residuals takes the phase's other classes, then the
    other phase; a cell with too few for quantiles of its own takes the pool's alone."""
    if power is None:
        power = horizon_power(usable)
    top = max(bucket_of(r.horizon_days) for r in usable)
    cells: dict[tuple[str, int, int], list[Residual]] = {}
    for r in usable:
        key = (r.phase, _class_of(edges.get(r.phase, ()), r.start_weight_g), bucket_of(r.horizon_days))
        cells.setdefault(key, []).append(r)

    def near(i: int, reach: int, phase: str | None = None, c: int | None = None) -> list[Residual]:
        return [
            r
            for (p, k, j), rs in cells.items()
            if abs(j - i) <= reach and (phase is None or p == phase) and (c is None or k == c)
            for r in rs
        ]

    out = []
    for phase in phases:
        cuts = edges.get(phase, ())
        for c in range(len(cuts) + 1):
            low, high = (cuts[c - 1] if c else 0.0), (cuts[c] if c < len(cuts) else None)
            for i in range(top + 1):
                first, last = _bounds(i)
                middle = (first + last) / 2
                pool, source = near(i, HORIZON_REACH, phase, c), "neighbours"
                if len(pool) < MIN_BUCKET and cuts:
                    pool, source = near(i, HORIZON_REACH, phase), "classes"
                if len(pool) < MIN_BUCKET:
                    pool, source = near(i, HORIZON_REACH), "phases"
                reach = HORIZON_REACH
                while len(pool) < MIN_BUCKET and reach < len(HORIZON_EDGES):
                    reach += 1
                    pool, source = near(i, reach), "neighbours"
                pooled = _quantiles(pool, scale=[(middle / r.horizon_days) ** power for r in pool])
                own = cells.get((phase, c, i), [])
                mine = _quantiles(own) if own else None
                if pooled is None and mine is None:
                    continue
                weight = 0.0 if mine is None else (1.0 if pooled is None else len(own) / (len(own) + POOL_PRIOR))
                found = (
                    mine
                    if pooled is None
                    else tuple(weight * a + (1 - weight) * b for a, b in zip(mine or pooled, pooled))
                )
                like = like_range(pool if pooled is not None else own)
                out.append(
                    BandBucket(
                        phase,
                        first,
                        last,
                        *found,
                        n=len(own) if weight >= 0.5 else len(pool),
                        source="bucket" if weight >= 0.5 else source,
                        forecasts=effective_size(own if weight >= 0.5 else pool),
                        weight_from_g=low,
                        weight_to_g=high,
                        like_from_g=like[0],
                        like_to_g=like[1],
                    )
                )
    return out


#: the share of a pool's forecasts, at each end of their starting weights, left out of the range its median
#: correction is applied in (``like_range``), and the factor that range is then widened by each way
LIKE_QUANTILE = 0.05
LIKE_MARGIN = 1.25


def like_range(pool: Sequence[Residual]) -> tuple[float | None, float | None]:
    """The starting weights of forecasts like those of ``pool`` (each forecast once): from its LIKE_QUANTILE
    quantile / LIKE_MARGIN to its 1 - LIKE_QUANTILE quantile x LIKE_MARGIN. A median error read from the
    forecasts of 200 g post-smolts says nothing of a 700 g fish's forecast (None, None: no weights known)."""
    weights = sorted({_forecast_of(r): r.start_weight_g for r in pool}.values())
    weights = [w for w in weights if w > 0]
    if not weights:
        return None, None
    k = int(LIKE_QUANTILE * (len(weights) - 1))
    return weights[k] / LIKE_MARGIN, weights[len(weights) - 1 - k] * LIKE_MARGIN


def effective_size(pool: Sequence[Residual]) -> int:
    """The number of forecasts the pool's residuals score (the residuals of one forecast err alike)."""
    return len({_forecast_of(r) for r in pool})


#: a pool's forecasts count for at most this many per batch they come from in ``conservative_level`` (a batch's
#: forecasts share its luck: a farm of three batches does not know a fourth from a hundred of their forecasts)
BATCH_UNITS = 4


#: the horizon (days) from which a batch's forecasts count for BATCH_UNITS; at a shorter horizon h they count for
#: BATCH_UNITS x UNITS_HORIZON_DAYS / h (12 at 30 days): forecasts of one batch whose windows do not overlap share
#: its pace but not the weeks' own luck, and a short horizon's windows overlap less
UNITS_HORIZON_DAYS = 90


def independent_size(pool: Sequence[Residual]) -> int:
    """``effective_size``, at most ``batch_units`` per batch where the residuals name their batch (the pool's
    median horizon decides how many)."""
    n = effective_size(pool)
    batches = {r.forecast[2] for r in pool if r.forecast is not None and len(r.forecast) > 2}
    if not batches:
        return n
    horizon = sorted(r.horizon_days for r in pool)[len(pool) // 2]
    return min(n, int(batch_units(horizon) * len(batches)))


def batch_units(horizon_days: int) -> float:
    """How many independent forecasts one batch's forecasts of this horizon count for at most."""
    return BATCH_UNITS * max(1.0, UNITS_HORIZON_DAYS / max(1, horizon_days))


def conservative_level(n_eff: int) -> float:
    """The central share a pool of ``n_eff`` forecasts is calibrated for: 80 % + CONSERVATIVE_A / n_eff, at most
    LEVEL_MAX. The residuals of one forecast err alike, so the pool's size for the finite-sample correction is
    its forecasts, not its residuals; and a farm's few forecasts come from fewer batches still, whose luck the
    tails of a small pool miss: the correction is of the order 1 / n like the conformal ranks' own, larger."""
    if n_eff <= 0:
        return LEVEL_MAX
    return min(LEVEL_MAX, UPPER - LOWER + CONSERVATIVE_A / n_eff)


def _quantiles(pool: Sequence[Residual], *, scale: Sequence[float] | None = None) -> tuple[float, float, float] | None:
    """(q10, q50, q90) of the pool's errors with the weighings' sampling error taken out: the conformal bounds
    (for ``conservative_level`` of the pool's forecasts) pulled towards the median by sqrt(1 - noise /
    spread), the spread read from the bounds themselves. ``scale``: each error's factor (a residual of another
    horizon brought to this one)."""
    errors = [r.log_error for r in pool] if scale is None else [r.log_error * f for r, f in zip(pool, scale)]
    level = conservative_level(independent_size(pool))
    bounds = conformal_bounds(errors, level)
    if bounds is None:
        return None
    low, high = bounds
    q50 = sorted(errors)[len(errors) // 2]
    spread = ((high - low) / (2 * NormalDist().inv_cdf(0.5 + level / 2))) ** 2
    noise = sum(r.noise_var * (1.0 if scale is None else f * f) for r, f in zip(pool, scale or [1.0] * len(pool)))
    noise /= len(pool)
    shrink = math.sqrt(max(MIN_SHRINK**2, 1 - noise / spread)) if spread > 0 else 1.0
    return q50 + (low - q50) * shrink, q50, q50 + (high - q50) * shrink


def _with_coverage(bucket: BandBucket, held: BandBucket, mine: Sequence[Residual], pooled: float) -> BandBucket:
    """The bucket with its measured coverage, whether correcting the P50 by the median error helps (the older
    half's median tried on the newer half's errors: mean |error| with it against without it), and its band
    widened or narrowed (``_widening``) by what the newer half of its cell showed, shrunk towards ``pooled``,
    the factor of the phase's newer half over all its cells: the cell's own factor weighs n / (n + POOL_PRIOR).
    ``mine``: the newer half's residuals of the cell."""
    coverage = sum(_inside(r, held) for r in mine) / len(mine) if len(mine) >= 10 else None
    corrects = _correction_helps(mine, held.q50)
    if len(mine) >= 10:
        weight = len(mine) / (len(mine) + POOL_PRIOR)
        s = weight * _widening([(r, held) for r in mine]) + (1 - weight) * pooled
        if s < 1.0:  # narrowed only as far as the band of all the residuals still holds more than chance explains
            nominal = UPPER - LOWER
            over = nominal + NARROW_Z * math.sqrt(nominal * (1 - nominal) / len(mine))
            while s < 1.0 and sum(_inside(r, _widened(bucket, s)) for r in mine) <= over * len(mine):
                s = min(1.0, round(s + WIDEN_STEP, 10))
    else:
        s = max(1.0, pooled)
    return replace(
        bucket,
        coverage=coverage,
        corrects=corrects,
        q10=bucket.q50 + s * (bucket.q10 - bucket.q50),
        q90=bucket.q50 + s * (bucket.q90 - bucket.q50),
        widened=s,
    )


#: how strongly a median correction resting on few forecasts is shrunk towards 0 (``_shrunk``; 0: not at all)
SHRINK_K = 1.0
#: the P50 is corrected by the median past error only where that cut the newer half's mean |error| by more
#: than this many standard errors (``_correction_helps``)
CORRECT_Z = 2.0
#: the most a band is widened by its measured coverage, and the most it is narrowed
WIDEN_MAX = 2.0
NARROW_MIN = 0.8
#: a band is narrowed only where the older half's held more of the newer half than this many standard errors
#: above 80 %: the factor is applied to the band of all the residuals, whose quantiles already average out
#: the older half's luck, so a narrowing within the noise would count that luck twice
NARROW_Z = 2.0
WIDEN_STEP = 0.05


def _widening(pairs: Sequence[tuple[Residual, BandBucket]]) -> float:
    """The factor about its median by which the older half's band (each residual's own bucket) would have held
    80 % of the newer half's weighings (``pairs``): where it held less than chance alone explains (1.28
    standard errors of a share of that many), the least factor (1.05, 1.10, ... up to WIDEN_MAX) that holds
    that much; where it held more than chance explains, the least factor down to NARROW_MIN that still holds
    more (a band too wide for what it promises); else 1. A band calibrated on errors that are not exchangeable
    (a farm's few batches, a season the older half had not seen) is corrected by what the farm's own time
    split shows. 1 with fewer than 10 newer weighings."""
    if len(pairs) < 10:
        return 1.0
    nominal = UPPER - LOWER
    noise = 1.2815515655446004 * math.sqrt(nominal * (1 - nominal) / len(pairs))
    z2 = 1.2815515655446004**2
    # per weighing: its error about the band's median, the band's half-widths, its own sampling variance
    parts = [(r.log_error - b.q50, b.q50 - b.q10, b.q90 - b.q50, r.noise_var * z2) for r, b in pairs]

    def held_at(s: float) -> float:
        inside = 0
        for e, down, up, v in parts:
            if e >= 0:
                inside += e * e <= (s * up) ** 2 + v
            else:
                inside += e * e <= (s * down) ** 2 + v
        return inside / len(parts)

    over = nominal + NARROW_Z / 1.2815515655446004 * noise  # narrowing asks more than chance: 2 standard errors
    if held_at(1.0) > over:
        s = 1.0
        while s - WIDEN_STEP >= NARROW_MIN - 1e-9 and held_at(round(s - WIDEN_STEP, 10)) > over:
            s = round(s - WIDEN_STEP, 10)
        return s
    s = 1.0
    while s < WIDEN_MAX:
        if held_at(s) >= nominal - noise:
            return s
        s = round(s + WIDEN_STEP, 10)
    return WIDEN_MAX


def _widened(b: BandBucket, s: float) -> BandBucket:
    return replace(b, q10=b.q50 + s * (b.q10 - b.q50), q90=b.q50 + s * (b.q90 - b.q50))


def _side(r: Residual, q10: float, q50: float, q90: float) -> int:
    """-1 where a weighing lies below the band (widened by its own sampling error, as ``_inside``), 1 above it,
    0 inside."""
    noise = r.noise_var * 1.2815515655446004**2
    if r.log_error < q50 - math.sqrt((q50 - q10) ** 2 + noise):
        return -1
    return 1 if r.log_error > q50 + math.sqrt((q90 - q50) ** 2 + noise) else 0


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
    *, as_of: dt.date, phase: str, p50: Sequence[float], samples, start_weight_g: float = 0.0, batch_id=None
) -> list[Residual]:
    """The residuals of one forecast (daily P50 weights from the day after ``as_of``, starting from
    ``start_weight_g``) against the assignment's later weighings ``samples``: (date, mean weight g, sd g or None,
    fish weighed), any order; those after the forecast's last day or on or before ``as_of`` are skipped.
    ``batch_id``: the forecast's batch, which its residuals name (``independent_size``)."""
    out = []
    forecast = (as_of, start_weight_g) if batch_id is None else (as_of, start_weight_g, batch_id)
    for day, mean_g, sd_g, n in samples:
        h = (day - as_of).days
        if 1 <= h <= len(p50) and mean_g > 0 and p50[h - 1] > 0:
            noise = (sd_g / mean_g) ** 2 / n if sd_g and n else 0.0
            out.append(Residual(h, phase, math.log(mean_g / p50[h - 1]), day, noise, start_weight_g, forecast))
    return out
