"""A growth model learned from the farm's own history (docs/forecast.md "The learned growth model").

Every completed segment of the farm (all batches and sites) says how much faster or slower than the scenario the
fish grew: y = ln(realised TGC / scenario TGC). A small ridge regression in log space explains y by

- the fish's size: ln(W / 100 g) at the segment's geometric mean weight (TGC falls with weight: W^-b), per phase;
- fresh water or sea (the site's kind);
- temperature with an optimum: (T - 10) / 5 and its square, T the segment's mean °C;
- handling: the mean over the segment's days of exp(-days since the latest handling / tau) (placement, transfer
  in or out, vaccination, treatment), tau chosen from a few values by the fit itself;

each segment weighted by its degree-days, every coefficient pulled towards 0 (the scenario) by a ridge prior.
A projection grows the cube root each day by exp(model + deviation x 0.5^(d / half-life)) x the scenario's
c x T: the assignment's recent deviation from the model fades over the horizon with a half-life measured from how
long consecutive segments' residuals stay alike. Too little history (``MIN_SEGMENTS`` segments or
``MIN_DEGREE_DAYS``): no model, the scenario's growth stays. Pure: no Django, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

LEARNED_VERSION = "learned-1"
TAU_CHOICES = (7.0, 14.0, 28.0, 56.0)
MIN_SEGMENTS = 30
MIN_DEGREE_DAYS = 3000.0
#: prior precision of each coefficient, in degree-days of evidence (a segment of 100 degree-days weighs 1)
RIDGE = 3.0
DD_UNIT = 100.0
MAX_SEGMENT_WEIGHT = 6.0  # a very long segment counts for at most 600 degree-days
Y_BOUNDS = (-1.5, 1.0)  # a segment outside 0.22 .. 2.7 x the scenario is a bad weighing, not growth
HALF_LIFE_BOUNDS = (10.0, 365.0)
HALF_LIFE_DEFAULT = 60.0
FEATURES = (
    "intercept",
    "fresh",
    "ln_weight",
    "ln_weight_above_1g",
    "ln_weight_above_10g",
    "ln_weight_above_1kg",
    "fresh_ln_weight",
    "temp",
    "temp_sq",
    "cold",
    "handling",
)
#: knots of the weight curve, one a decade (generic: no farm's own sizes), ln(knot / 100 g)
_KNOTS = (math.log(0.01), math.log(0.1), math.log(10.0))


def features(weight_g: float, temp_c: float, fresh: bool, exposure: float) -> tuple[float, ...]:
    """The model's inputs: size as a line in ln(W / 100 g) that may bend at 1 g, 10 g and 1 kg (TGC falls with
    weight, not at one rate), its slope apart in fresh water; temperature as (T - 10) / 5 and its square (an
    optimum) and how far below 4 °C (growth collapsing towards freezing); handling exposure (0..1)."""
    lw = math.log(max(weight_g, 0.05) / 100.0)
    t = (temp_c - 10.0) / 5.0
    f = 1.0 if fresh else 0.0
    k1, k10, k1000 = _KNOTS
    return (
        1.0,
        f,
        lw,
        max(0.0, lw - k1),
        max(0.0, lw - k10),
        max(0.0, lw - k1000),
        f * lw,
        t,
        t * t,
        max(0.0, 4.0 - temp_c) / 4.0,
        exposure,
    )


@dataclass(frozen=True)
class SegmentObs:
    """A completed segment as the model reads it: ``handled`` the days (relative to the segment's start day; 0 =
    its start, negative = before it) of the handling events on or before its end."""

    key: tuple  # (assignment id, end date): one observation per segment
    end_date: dt.date
    days: int
    degree_days: float
    start_weight_g: float
    end_weight_g: float
    fresh: bool
    log_ratio: float
    handled: tuple[int, ...] = ()

    def exposure(self, tau: float) -> float:
        """The mean over the segment's days 1..days of exp(-days since the latest handling / tau)."""
        if not self.handled or self.days <= 0:
            return 0.0
        marks = sorted(self.handled)
        total, j, latest = 0.0, -1, None
        for k in range(1, self.days + 1):
            while j + 1 < len(marks) and marks[j + 1] < k:  # handled on day h: the days after it are affected
                j += 1
                latest = marks[j]
            if latest is not None:
                total += math.exp(-(k - latest) / tau)
        return total / self.days

    def row(self, tau: float) -> tuple[float, ...]:
        weight = math.sqrt(max(self.start_weight_g, 0.05) * max(self.end_weight_g, 0.05))
        return features(weight, self.degree_days / self.days, self.fresh, self.exposure(tau))


@dataclass(frozen=True)
class GrowthModel:
    coef: tuple[float, ...]
    tau_days: float
    half_life_days: float
    segments: int
    degree_days: float
    version: str = LEARNED_VERSION
    #: the mean handling exposure of the farm's segments by phase: the handling a forecast cannot see coming
    baseline_exposure: tuple[float, float] = (0.0, 0.0)  # (fresh, sea)

    def log_ratio(self, weight_g: float, temp_c: float, fresh: bool, exposure: float) -> float:
        return sum(c * x for c, x in zip(self.coef, features(weight_g, temp_c, fresh, exposure)))


def growth_model_fit(observations: Sequence[SegmentObs], *, until: dt.date | None = None) -> GrowthModel | None:
    """The ridge fit over the segments ending on or before ``until`` (all when None); None with too little."""
    obs = [
        o
        for o in observations
        if (until is None or o.end_date <= until)
        and o.days > 0
        and o.degree_days > 0
        and Y_BOUNDS[0] < o.log_ratio < Y_BOUNDS[1]
    ]
    total_dd = sum(o.degree_days for o in obs)
    if len(obs) < MIN_SEGMENTS or total_dd < MIN_DEGREE_DAYS:
        return None
    weights = [min(MAX_SEGMENT_WEIGHT, o.degree_days / DD_UNIT) for o in obs]
    best = None
    for tau in TAU_CHOICES:
        rows = [o.row(tau) for o in obs]
        coef = _ridge(rows, [o.log_ratio for o in obs], weights)
        sse = sum(w * (o.log_ratio - _dot(coef, x)) ** 2 for w, o, x in zip(weights, obs, rows))
        if best is None or sse < best[0]:
            best = (sse, tau, coef, rows)
    _, tau, coef, rows = best
    residuals = {o.key: o.log_ratio - _dot(coef, x) for o, x in zip(obs, rows)}
    baseline = []
    for fresh in (True, False):
        pairs = [(o.degree_days, x[-1]) for o, x in zip(obs, rows) if o.fresh == fresh]
        total = sum(w for w, _ in pairs)
        baseline.append(sum(w * e for w, e in pairs) / total if total > 0 else 0.0)
    return GrowthModel(
        coef=tuple(coef),
        tau_days=tau,
        half_life_days=_half_life(obs, residuals),
        segments=len(obs),
        degree_days=total_dd,
        baseline_exposure=(baseline[0], baseline[1]),
    )


def _dot(a, b) -> float:
    return sum(x * y for x, y in zip(a, b))


def _ridge(rows, y, weights) -> list[float]:
    """Weighted least squares with every coefficient pulled towards 0 by RIDGE (normal equations, Gauss-Jordan)."""
    k = len(rows[0])
    a = [[0.0] * k for _ in range(k)]
    b = [0.0] * k
    for x, v, w in zip(rows, y, weights):
        for i in range(k):
            wx = w * x[i]
            b[i] += wx * v
            ai = a[i]
            for j in range(i, k):
                ai[j] += wx * x[j]
    for i in range(k):
        a[i][i] += RIDGE
        for j in range(i):
            a[i][j] = a[j][i]
    return _solve(a, b)


def _solve(a, b) -> list[float]:
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        p = m[col][col]
        for r in range(n):
            if r != col and m[r][col] != 0.0:
                f = m[r][col] / p
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _half_life(obs: Sequence[SegmentObs], residuals: dict) -> float:
    """How long an assignment's deviation from the model lasts: the correlation of its segments' residuals two
    apart (neighbours share a weighing, whose error makes them look unlike) over their mean distance in days,
    as a half-life."""
    by_assignment: dict = {}
    for o in obs:
        by_assignment.setdefault(o.key[0], []).append(o)
    num = s1 = s2 = gaps = 0.0
    pairs = 0
    for segments in by_assignment.values():
        segments.sort(key=lambda o: o.end_date)
        for a, b in zip(segments, segments[2:]):
            r1, r2 = residuals[a.key], residuals[b.key]
            num += r1 * r2
            s1 += r1 * r1
            s2 += r2 * r2
            gaps += ((b.end_date - dt.timedelta(days=b.days / 2)) - (a.end_date - dt.timedelta(days=a.days / 2))).days
            pairs += 1
    if pairs < 10 or s1 <= 0 or s2 <= 0:
        return HALF_LIFE_DEFAULT
    rho = min(0.97, max(0.03, num / math.sqrt(s1 * s2)))
    half_life = max(1.0, gaps / pairs) * math.log(2) / -math.log(rho)
    return min(HALF_LIFE_BOUNDS[1], max(HALF_LIFE_BOUNDS[0], half_life))


def project_learned(
    *,
    x0: float,
    temps: Sequence[float],
    rules,
    stage: int,
    model: GrowthModel,
    dev: float,
    fresh: bool,
    since_handled: int | None,
    planned: Sequence[int] = (),
    max_cube_root: float,
) -> tuple[list[float], list[int]]:
    """The daily P50 cube roots and stage ids for ``len(temps)`` days from ``x0``: each day's growth is
    exp(model + dev x 0.5^(d / half-life)) x c x T (no growth at or below 0 °C), handling at the days in
    ``planned`` (1-based day indices) and ``since_handled`` days before the start."""
    c, max_g, next_id = rules[stage]
    x, out, stages = x0, [], []
    planned_set = set(planned)
    since = since_handled
    fade = math.exp(-math.log(2) / model.half_life_days)
    # features() written out (the same sums, one exp a day)
    c0, c_f, c_lw, c_k1, c_k10, c_k1000, c_flw, c_t, c_t2, c_cold, c_h = model.coef
    k1, k10, k1000 = _KNOTS
    f = 1.0 if fresh else 0.0
    base, slope = c0 + c_f * f, c_lw + c_flw * f
    decay = math.exp(-1.0 / model.tau_days)
    exposure = math.exp(-since / model.tau_days) if since is not None else 0.0
    floor = model.baseline_exposure[0 if fresh else 1]  # handling to come that nothing plans yet
    carried = dev
    exp, log, ln100 = math.exp, math.log, math.log(100.0)
    for d, temp in enumerate(temps, start=1):
        carried *= fade
        if d in planned_set:
            exposure = 1.0
        else:
            exposure *= decay
        if temp > 0.0:
            t = (temp - 10.0) / 5.0
            w = x * x * x
            lw = log(w if w > 0.05 else 0.05) - ln100
            size = slope * lw + (c_k1 * (lw - k1) if lw > k1 else 0.0) + (c_k10 * (lw - k10) if lw > k10 else 0.0)
            if lw > k1000:
                size += c_k1000 * (lw - k1000)
            cold = c_cold * (4.0 - temp) / 4.0 if temp < 4.0 else 0.0
            handled = exposure if exposure > floor else floor
            x += exp(base + size + c_t * t + c_t2 * t * t + cold + c_h * handled + carried) * c * temp
            if x > max_cube_root:
                x = max_cube_root
        out.append(x)
        if next_id is not None and x * x * x >= max_g:
            stage = next_id
            c, max_g, next_id = rules[stage]
        stages.append(stage)
    return out, stages


#: the ways a projection can grow, chosen per farm by its own backtest (docs/forecast.md): the scenario with the
#: assignment's fitted ratio ("fit"), or the learned model with the deviation fading over a half-life (days)
#: or the scenario's own TGC from the latest state ("scenario": the original method, ratio 1) or from the fitted
#: level, today's weight from the weighings and the feed ("level": ratio 1)
OPTIONS = {
    "fit": None,
    "scenario": None,
    "level": None,
    "learned-30": 30.0,
    "learned-90": 90.0,
    "learned-365": 365.0,
    "learned-persist": 1e9,
}
DEVIATION_PRIOR_SD = 0.08  # how far an assignment usually sits from the farm's model (log)


def fit_deviation(
    model: GrowthModel, own, *, as_of: dt.date, fresh: bool, handled: Sequence[dt.date], ratio: float, sd: float
) -> float:
    """The assignment's recent log deviation from the model: ln(the growth fit's ratio to the scenario) - ln(the
    model's ratio over the same weighings' segments, weighted as the fit weighs them: degree-days, half weight
    every 60 days of age), shrunk towards 0 by the fit's uncertainty; 0 without a usable segment."""
    num = den = 0.0
    for e in own:
        if e.days <= 0 or e.degree_days <= 0 or e.end_date > as_of or e.start_weight_g <= 0:
            continue
        start = e.end_date - dt.timedelta(days=e.days)
        obs = SegmentObs(
            key=(0, e.end_date),
            end_date=e.end_date,
            days=e.days,
            degree_days=e.degree_days,
            start_weight_g=e.start_weight_g,
            end_weight_g=e.end_weight_g,
            fresh=fresh,
            log_ratio=0.0,
            handled=tuple((d - start).days for d in handled if d <= e.end_date and (start - d).days < 200),
        )
        w = e.degree_days * 0.5 ** ((as_of - e.end_date).days / 60.0)
        num += w * math.exp(_dot(model.coef, obs.row(model.tau_days)))
        den += w
    if den <= 0 or ratio <= 0:
        return 0.0
    raw = math.log(ratio) - math.log(num / den)
    prior = DEVIATION_PRIOR_SD**2
    return raw * prior / (prior + (sd / ratio) ** 2)


def learned_path(
    *,
    model: GrowthModel,
    start,
    params,
    dev: float,
    bias_c: float,
    profile_c: Sequence[float],
    days: int,
    fresh: bool,
    handled: Sequence[dt.date],
) -> tuple[list[float], list[int]]:
    """The learned model's daily P50 cube roots and stages for ``days`` days from ``start``."""
    from apps.batch.engine.stage import stage_rules
    from apps.forecast.engine.projection import MAX_CUBE_ROOT

    as_of = start.date
    past = sorted(d for d in handled if d <= as_of)
    planned = sorted((d - as_of).days for d in handled if d > as_of)
    return project_learned(
        x0=start.weight_g ** (1 / 3),
        temps=[t + bias_c for t in profile_c[:days]],
        rules=stage_rules(params, (start.stage_id,), freshwater=fresh),
        stage=start.stage_id,
        model=model,
        dev=dev,
        fresh=fresh,
        since_handled=(as_of - past[-1]).days if past else None,
        planned=planned,
        max_cube_root=MAX_CUBE_ROOT,
    )


def with_p50(
    projection,
    xs: Sequence[float],
    stages,
    *,
    start,
    target_weight_g: float,
    sea_transfer_weight_g: float | None = None,
    band: bool = True,
):
    """``projection`` with its P50 cube roots replaced by ``xs``, its band kept around them (the same cube-root
    spreads), its stages by ``stages`` (when given) and its crossings found again. ``band`` false: the P50 and
    the stages only, for a caller that puts the calibrated band and its crossings on it next
    (``calibration.band_calibrated``, which reads the P50 alone)."""
    from apps.forecast.engine.projection import MAX_CUBE_ROOT, crossing

    if not band:
        projection.weight_g = {"p50": [x * x * x for x in xs]}
        if stages is not None:
            projection.stage_ids[:] = stages
        return projection
    cbrt = math.cbrt
    x0 = cbrt(start.weight_g)
    old = projection.weight_g
    p10, p50, p90, top = [], [], [], 0.0
    for x, w10, w50, w90 in zip(xs, old["p10"], old["p50"], old["p90"]):
        c50 = cbrt(w50)
        low = x - (c50 - cbrt(w10))
        if low < x0:
            low = x0
        high = x + (cbrt(w90) - c50)
        if high > MAX_CUBE_ROOT:
            high = MAX_CUBE_ROOT
        p10.append(low * low * low)
        p50.append(x * x * x)
        high = high * high * high
        if high > top:
            top = high
        p90.append(top)
    projection.weight_g = {"p10": p10, "p50": p50, "p90": p90}
    if stages is not None:
        projection.stage_ids[:] = stages
    projection.harvest = crossing(start, projection.weight_g, target_weight_g)
    h = projection.harvest
    projection.harvest_date, projection.harvest_date_early, projection.harvest_date_late = h.date, h.early, h.late
    if sea_transfer_weight_g is not None:
        projection.sea_transfer = crossing(start, projection.weight_g, sea_transfer_weight_g)
    return projection


#: the learned model replaces the fitted scenario only when its past errors are this much smaller
OPTION_MARGIN = 0.97
OPTION_HORIZONS = (16, 105)
OPTION_MIN_RESIDUALS = 60
#: the way a phase grows unless another's past errors were clearly smaller
DEFAULT_WAY = "scenario"


def option_choose(
    errors_by_option: dict[str, Sequence], *, until: dt.date | None = None
) -> tuple[str, dict[str, float]]:
    """The way of growing whose past forecasts erred least on this farm: mean |ln(measured / P50)| of the
    residuals (``Residual``) at 16-105 days ahead whose weighing is dated on or before ``until``; "fit" unless a
    other option beats it by OPTION_MARGIN with OPTION_MIN_RESIDUALS or more. Returns it and every score."""
    scores = {}
    for option, residuals in errors_by_option.items():
        errors = [
            abs(r.log_error)
            for r in residuals
            if (until is None or r.truth_date <= until) and OPTION_HORIZONS[0] <= r.horizon_days <= OPTION_HORIZONS[1]
        ]
        if len(errors) >= OPTION_MIN_RESIDUALS:
            scores[option] = sum(errors) / len(errors)
    if DEFAULT_WAY not in scores:
        return DEFAULT_WAY, scores
    best = min(scores, key=scores.get)
    return (best if scores[best] < OPTION_MARGIN * scores[DEFAULT_WAY] else DEFAULT_WAY), scores


def variants(
    *,
    model: GrowthModel | None,
    start,
    params,
    own,
    bias_c: float,
    profile_c: Sequence[float],
    days: int,
    fresh: bool,
    handled: Sequence[dt.date],
    ratio: float,
    ratio_sd: float,
) -> dict[str, list[float]]:
    """The P50 weights of every learned option (OPTIONS with a half-life) for ``days`` days: {} without a model."""
    if model is None or days <= 0:
        return {}
    dev = fit_deviation(model, own, as_of=start.date, fresh=fresh, handled=handled, ratio=ratio, sd=ratio_sd)
    out = {}
    for option, half_life in OPTIONS.items():
        if half_life is None:
            continue
        m = replace(model, half_life_days=half_life)
        xs, _ = learned_path(
            model=m,
            start=start,
            params=params,
            dev=dev,
            bias_c=bias_c,
            profile_c=profile_c,
            days=days,
            fresh=fresh,
            handled=handled,
        )
        out[option] = [x * x * x for x in xs]
    return out


#: a horizon bucket grows another way than its phase's only with this many residuals of each way there
WAY_MIN_RESIDUALS = 40


def options_choose(errors_by_option: dict[str, Sequence], *, until: dt.date | None = None) -> dict[str, tuple]:
    """The way each phase grows, per horizon bucket (apps.forecast.engine.calibration.HORIZON_EDGES): {phase:
    (way of bucket 1, way of bucket 2, ...)}. The phase's way is ``option_choose``'s (over 16-105 days); a bucket
    takes another only where that way's past errors in the bucket, once each way's median error is taken out
    (the calibration corrects the median), are OPTION_MARGIN smaller with WAY_MIN_RESIDUALS or more each: a way
    that starts well (the fitted level) can go astray over months where another (the scenario's law) holds."""
    from apps.forecast.engine.calibration import HORIZON_EDGES, PHASES, bucket_of

    out = {}
    for phase in PHASES:
        mine = {
            o: [r for r in rs if r.phase == phase and (until is None or r.truth_date <= until)]
            for o, rs in errors_by_option.items()
        }
        default = option_choose(mine)[0]
        cells: dict[tuple[str, int], list[float]] = {}
        for option, residuals in mine.items():
            for r in residuals:
                cells.setdefault((option, bucket_of(r.horizon_days)), []).append(r.log_error)
        ways = []
        for i in range(len(HORIZON_EDGES)):
            scores = {
                option: _spread(cells[(option, i)])
                for option in mine
                if len(cells.get((option, i), ())) >= WAY_MIN_RESIDUALS
            }
            best = min(scores, key=scores.get) if scores else default
            ways.append(best if default in scores and scores[best] < OPTION_MARGIN * scores[default] else default)
        out[phase] = tuple(ways)
    return out


def _spread(errors: Sequence[float]) -> float:
    """Mean |error - median error|: how far a way errs once its bias is corrected."""
    ordered = sorted(errors)
    middle = ordered[len(ordered) // 2]
    return sum(abs(e - middle) for e in errors) / len(errors)


def ways_blend(paths: dict[str, Sequence[float]], ways: Sequence[str], days: int) -> list[float]:
    """The daily P50 weights of ``days`` days when each horizon bucket grows its own way (``ways``, one per
    bucket): each bucket's way at its middle, log-linear in between (no jump from one way to the next), the
    first bucket's before its middle and the last's beyond; "fit" where a way's path is missing or too short."""
    from apps.forecast.engine.calibration import HORIZON_EDGES

    middles = [((HORIZON_EDGES[i - 1] + 1 if i else 1) + HORIZON_EDGES[i]) / 2 for i in range(len(HORIZON_EDGES))]
    fit = paths["fit"]

    def take(way: str, first: int, last: int) -> list[float]:  # days first..last (1-based) of the way's path
        path = paths.get(way)
        if path is None:
            return fit[first - 1 : last]
        return path[first - 1 : min(last, len(path))] + fit[max(first, len(path) + 1) - 1 : last]

    out: list[float] = []
    log, exp = math.log, math.exp
    for j, middle in enumerate(middles):  # bucket j's way from its middle (day 1 for the first) to the next's
        first = 1 if j == 0 else math.ceil(middle)
        last = days if j + 1 == len(middles) else min(days, math.ceil(middles[j + 1]) - 1)
        if last < first:
            continue
        a = ways[j]
        if j + 1 == len(middles) or ways[j + 1] == a:
            out += take(a, first, last)
            continue
        plain = min(last, math.floor(middle))  # up to the middle itself: this bucket's way alone
        out += take(a, first, plain)
        first = max(first, plain + 1)
        if last < first:
            continue
        span = middles[j + 1] - middle
        for d, left, right in zip(range(first, last + 1), take(a, first, last), take(ways[j + 1], first, last)):
            t = (d - middle) / span
            out.append(exp((1 - t) * log(left) + t * log(right)))
    return out


def chosen_residuals(errors_by_option: dict[str, Sequence], choice: dict[str, tuple]) -> list:
    """Each phase's and horizon bucket's residuals from the way chosen for it: what the calibration is built on."""
    from apps.forecast.engine.calibration import bucket_of

    return [
        r
        for phase, ways in choice.items()
        for option in dict.fromkeys(ways)
        for r in errors_by_option.get(option, ())
        if r.phase == phase and ways[bucket_of(r.horizon_days)] == option
    ]


def choice_text(choice: dict[str, tuple | str]) -> str:
    """``fresh=fit sea=learned-90``, or the ways per bucket comma-separated where they differ (a phase's way
    may be given as one string: every bucket's)."""
    parts = []
    for phase, ways in sorted(choice.items()):
        ways = (ways,) if isinstance(ways, str) else tuple(ways)
        parts.append(f"{phase}={ways[0] if len(set(ways)) == 1 else ','.join(ways)}")
    return " ".join(parts)


def choice_parse(text: str) -> dict[str, tuple]:
    """``choice_text`` read back: {phase: a way per horizon bucket}; a single option (no "=") holds for every
    phase, a single way for every bucket."""
    from apps.forecast.engine.calibration import HORIZON_EDGES, PHASES

    def ways(value: str) -> tuple:
        parts = tuple(value.split(","))
        return parts * len(HORIZON_EDGES) if len(parts) == 1 else parts

    if "=" not in text:
        return {phase: ways(text) for phase in PHASES}
    return {phase: ways(value) for phase, value in (part.split("=", 1) for part in text.split())}


def ways_learned(choice: dict[str, tuple]) -> bool:
    """Whether any phase grows by the learned model in any horizon bucket."""
    return any(OPTIONS.get(way) for ways in choice.values() for way in ways)
