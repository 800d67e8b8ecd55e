"""The live projection of one assignment, with its P10-P90 band (docs/forecast.md "Method").

From the latest actual state (the end of ``start.date``), day by day for ``horizon_days`` days:

- temperature = the scenario profile at the day number + the recent measured bias;
- cube-root growth = performance ratio x the scenario TGC of the stage at the start of the day x °C (no growth at
  or below 0 °C), the stage advancing by weight as in the engine (docs/engine.md §4);
- deaths = the daily rate x the population (kept in floats; rounded when stored).

The band is first order (delta method) and Gaussian in cube-root space: after d days the cube root's variance is
var_level + 2 cov x A_d + (sd_ratio x A_d)^2 + (ratio x sd_bias x B_d)^2, with A_d = sum of c x T and B_d = sum
of c over the growing days (var_level and cov from the growth fit, 0 without one), so it widens with the horizon
and with the spread of the realised ratios. P10/P90 are -/+ 1.2816 of those
spreads; weights are cubed quantiles (cubing keeps quantiles). Population quantiles use the death rate -/+ 1.2816
of its relative spread; biomass combines the two spreads in log space (independent).
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.batch.engine.growth import MAX_WEIGHT_G
from apps.batch.engine.stage import stage_rules
from apps.batch.engine.temperature import profile_series
from apps.batch.engine.types import ModelParams
from apps.forecast.engine.estimates import MortalityEstimate, Performance, TemperatureBias

Z90 = 1.2815515655446004  # the standard normal's 90th percentile
MAX_CUBE_ROOT = MAX_WEIGHT_G ** (1 / 3)


@dataclass(frozen=True)
class ProjectionStart:
    """The latest actual state: the end of ``date`` (day number ``day_number`` of the batch)."""

    date: dt.date
    day_number: int
    weight_g: float
    population: float
    stage_id: int


@dataclass(frozen=True)
class Crossing:
    """When a projection's weight reaches a threshold: ``date`` the first day the P50 weight does (``early``:
    the P90 weight, ``late``: the P10 weight; None beyond the horizon), the start date when the fish already
    weigh it; ``weight_g`` the P10/P50/P90 weights of the day ``date`` (of the first projected day when it is the
    start date), None when the P50 weight never reaches it."""

    date: dt.date | None
    early: dt.date | None
    late: dt.date | None
    weight_g: tuple[float, float, float] | None


@dataclass
class Projection:
    """Daily quantiles from ``first_date`` (= start + 1 day) on, one entry a day. Harvest dates are the
    ``Crossing`` of the target weight; ``sea_transfer`` the crossing of the sea-transfer weight (None when not
    asked for: the fish are not in fresh water)."""

    first_date: dt.date
    weight_g: dict[str, list[float]] = field(default_factory=dict)  # keys p10, p50, p90
    population: dict[str, list[float]] = field(default_factory=dict)
    biomass_kg: dict[str, list[float]] = field(default_factory=dict)
    stage_ids: list[int] = field(default_factory=list)
    harvest_date: dt.date | None = None
    harvest_date_early: dt.date | None = None
    harvest_date_late: dt.date | None = None
    harvest: Crossing | None = None
    sea_transfer: Crossing | None = None

    @property
    def days(self) -> int:
        return len(self.stage_ids)


def project(
    *,
    start: ProjectionStart,
    horizon_days: int,
    params: ModelParams,
    performance: Performance,
    bias: TemperatureBias,
    mortality: MortalityEstimate | None,
    target_weight_g: float,
    profile_c: list[float] | None = None,
    sea_transfer_weight_g: float | None = None,
    band: bool = True,
) -> Projection:
    """The banded projection for ``horizon_days`` days after ``start`` (none when the horizon is 0 or less).

    Population and biomass are filled when ``mortality`` is given (else left to ``population_and_biomass``, as
    the stored projection does on read). ``profile_c``: the profile's °C from day number ``start.day_number + 1``
    on, at least ``horizon_days`` of them (default: looked up here). ``sea_transfer_weight_g``: also find when
    the fish reach this weight (``Projection.sea_transfer``). ``band`` false: the P50 weights and the stages only
    (no band, no crossings, no population), for a caller that puts another band on the P50 or only wants the path."""
    out = Projection(first_date=start.date + dt.timedelta(days=1))
    rules = stage_rules(params, (start.stage_id,))
    c, max_g, next_id = rules[start.stage_id]
    stage = start.stage_id
    x0 = x = start.weight_g ** (1 / 3)
    sum_ct = sum_c = 0.0
    ratio, bias_c = performance.ratio, bias.bias_c
    # variance = level_var + 2 cov A + sd_ratio^2 A^2 + (ratio sd_bias)^2 B^2, with A = sum c T, B = sum c
    level_var, cov2 = performance.level_var, 2 * performance.level_ratio_cov
    ratio_var, bias_var = performance.sd**2, (ratio * bias.sd_c) ** 2
    if profile_c is None:
        profile_c = profile_temperatures(params.profile, start.day_number + 1, horizon_days)
    p10, p50, p90, stages = [], [], [], out.stage_ids
    sqrt = math.sqrt
    for temp in profile_c[:horizon_days]:
        temp += bias_c
        if temp > 0.0:
            x += ratio * c * temp
            if x > MAX_CUBE_ROOT:
                x = MAX_CUBE_ROOT
            sum_ct += c * temp
            sum_c += c
        w50 = x * x * x
        p50.append(w50)
        if band:
            variance = level_var + cov2 * sum_ct + ratio_var * sum_ct * sum_ct + bias_var * sum_c * sum_c
            spread = Z90 * sqrt(variance) if variance > 0.0 else 0.0
            low = x - spread if x - spread > x0 else x0
            high = x + spread if x + spread < MAX_CUBE_ROOT else MAX_CUBE_ROOT
            p10.append(low * low * low)
            p90.append(high * high * high)
        if next_id is not None and w50 >= max_g:
            stage = next_id
            c, max_g, next_id = rules[stage]
        stages.append(stage)
    if not band:
        out.weight_g = {"p50": p50}
        return out
    weights = {"p10": p10, "p50": p50, "p90": p90}
    out.weight_g = weights
    if mortality is not None:
        population_and_biomass(out, start.population, mortality)
    out.harvest = crossing(start, weights, target_weight_g)
    out.harvest_date, out.harvest_date_early, out.harvest_date_late = (
        out.harvest.date,
        out.harvest.early,
        out.harvest.late,
    )
    if sea_transfer_weight_g is not None:
        out.sea_transfer = crossing(start, weights, sea_transfer_weight_g)
    return out


def crossing(start: ProjectionStart, weights: dict[str, list[float]], target_g: float) -> Crossing:
    """The ``Crossing`` of ``target_g`` by a projection's daily weights (as ``project`` makes them).

    P50 and P90 never fall (the cube root only grows; the spread only widens) and P10 <= P50 <= P90, so the P50
    day is a bisection, the P90 day one before it and the P10 day a scan from it: a few steps, not three passes
    over the horizon."""
    p10, p50, p90 = weights["p10"], weights["p50"], weights["p90"]
    if start.weight_g >= target_g:
        return Crossing(start.date, start.date, start.date, (p10[0], p50[0], p90[0]) if p50 else None)
    i50 = bisect_left(p50, target_g)
    if i50 == len(p50):
        return Crossing(None, _date(start, bisect_left(p90, target_g), len(p90)), None, None)
    i90 = bisect_left(p90, target_g, 0, i50 + 1)
    i10 = next((i for i in range(i50, len(p10)) if p10[i] >= target_g), None)
    late = _date(start, i10, len(p10)) if i10 is not None else None
    return Crossing(_date(start, i50, len(p50)), _date(start, i90, len(p90)), late, (p10[i50], p50[i50], p90[i50]))


def _date(start: ProjectionStart, index: int, days: int) -> dt.date | None:
    return start.date + dt.timedelta(days=index + 1) if index < days else None


def profile_temperatures(profile: tuple[tuple[int, float], ...], first_day_number: int, days: int) -> list[float]:
    """The profile's °C for ``days`` day numbers from ``first_day_number`` (the engine's profile rule)."""
    # no measured days: the engine's chain falls through to the profile for every day
    return profile_series(profile, first_day_number, days)


def population_and_biomass(projection: Projection, population: float, mortality: MortalityEstimate) -> Projection:
    """Fill ``projection``'s population and biomass quantiles from the starting population and the death rate."""
    projection.population = _population(population, mortality, projection.days)
    projection.biomass_kg = _biomass(projection.weight_g, projection.population)
    return projection


def _population(population: float, mortality: MortalityEstimate, days: int) -> dict[str, list[float]]:
    rates = _death_rates(mortality)
    return {key: [population * (1 - r) ** d for d in range(1, days + 1)] for key, r in rates.items()}


def population_on(population: float, mortality: MortalityEstimate, days: int) -> dict[str, float]:
    """The P10/P50/P90 population ``days`` days after the start (as ``population_and_biomass`` has it that day)."""
    return {key: population * (1 - r) ** days for key, r in _death_rates(mortality).items()}


def _death_rates(mortality: MortalityEstimate) -> dict[str, float]:
    rate = mortality.daily_rate
    return {
        "p10": min(1.0, rate * (1 + Z90 * mortality.rel_sd)),
        "p50": rate,
        "p90": rate * max(0.0, 1 - Z90 * mortality.rel_sd),
    }


def _biomass(weights: dict[str, list[float]], population: dict[str, list[float]]) -> dict[str, list[float]]:
    out = {"p10": [], "p50": [], "p90": []}
    for w10, w50, w90, n10, n50, n90 in zip(*weights.values(), *population.values()):
        b10, b50, b90 = biomass_quantiles((w10, w50, w90), (n10, n50, n90))
        out["p50"].append(b50)
        out["p10"].append(b10)
        out["p90"].append(b90)
    return out


def biomass_quantiles(weight_g: Sequence[float], population: Sequence[float]) -> tuple[float, float, float]:
    """P10/P50/P90 biomass (kg) of one day from its P10/P50/P90 weights and populations: P50 x P50, the two
    spreads combined in log space (independent)."""
    (w10, w50, w90), (n10, n50, n90) = weight_g, population
    b50 = n50 * w50 / 1000.0
    log_sd = math.hypot(_log_half_width(w10, w90), _log_half_width(n10, n90))
    return b50 * math.exp(-Z90 * log_sd), b50, b50 * math.exp(Z90 * log_sd)


def _log_half_width(low: float, high: float) -> float:
    """The log-space sd implied by a P10-P90 range (0 for an empty or degenerate one)."""
    if low <= 0.0 or high <= 0.0:
        return 0.0
    return math.log(high / low) / (2 * Z90)


def _first_reaching(start: ProjectionStart, weights: Sequence[float], target_g: float) -> dt.date | None:
    if start.weight_g >= target_g:
        return start.date
    for d, w in enumerate(weights, start=1):
        if w >= target_g:
            return start.date + dt.timedelta(days=d)
    return None


def projections_total(projections: Sequence[Projection], *, target_weight_g: float) -> Projection | None:
    """The batch total of assignment projections, by date: summed population and biomass (P10s and P90s summed
    too: the batch's containers share most of their uncertainty), weight = biomass / population per quantile."""
    if not projections:
        return None
    first = min(p.first_date for p in projections)
    days = max((p.first_date - first).days + p.days for p in projections)
    pop = {k: [0.0] * days for k in ("p10", "p50", "p90")}
    bio = {k: [0.0] * days for k in ("p10", "p50", "p90")}
    for p in projections:
        offset = (p.first_date - first).days
        for key in pop:
            for i, (n, b) in enumerate(zip(p.population[key], p.biomass_kg[key])):
                pop[key][offset + i] += n
                bio[key][offset + i] += b
    weights = {key: [1000.0 * b / n if n > 0 else 0.0 for b, n in zip(bio[key], pop["p50"])] for key in bio}
    total = Projection(first_date=first, weight_g=weights, population=pop, biomass_kg=bio, stage_ids=[0] * days)
    before = ProjectionStart(date=first - dt.timedelta(days=1), day_number=0, weight_g=0.0, population=0, stage_id=0)
    total.harvest_date = _first_reaching(before, weights["p50"], target_weight_g)
    total.harvest_date_early = _first_reaching(before, weights["p90"], target_weight_g)
    total.harvest_date_late = _first_reaching(before, weights["p10"], target_weight_g)
    return total
