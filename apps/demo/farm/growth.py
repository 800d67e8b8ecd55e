"""A batch's true growth rates, and the growth a farmer expects from them to time the harvest (no Django).

The true TGC of each stage is the scenario model's value x 0.92-1.08 for the batch x 0.95-1.05 for the
stage, so reality stays within ±15 % of the plan. Harvest is planned when the fish should weigh their
target (4.5-5.5 kg) by the expected, noise-free temperatures, but never before day 800 nor after day 960.
"""

from __future__ import annotations

import datetime as dt
import random

from .layout import LAST_STAGE, STAGE_MAX_G, STAGES, expected_temp_c, tgc_for_stage

TRUE_TGC_BATCH_SPREAD = (0.92, 1.08)
TRUE_TGC_STAGE_SPREAD = (0.95, 1.05)
HARVEST_WEIGHT_G = (4500.0, 5500.0)
HARVEST_DAYS = (800, 960)


def true_tgc(*, seed: int, index: int, start_month: int) -> dict[int, float]:
    """True TGC (per 1000) by stage order for batch ``index``."""
    rng = random.Random(f"{seed}/biology/{index}")
    batch_factor = rng.uniform(*TRUE_TGC_BATCH_SPREAD)
    return {o: tgc_for_stage(start_month, o) * batch_factor * rng.uniform(*TRUE_TGC_STAGE_SPREAD) for o, *_ in STAGES}


def tgc_day(weight_g: float, stage: int, tgc_per_1000: dict[int, float], temp_c: float) -> tuple[float, int]:
    """One day of growth: (weight at the end of the day, stage for tomorrow). No growth at or below 0 °C."""
    if temp_c > 0:
        weight_g = (weight_g ** (1 / 3) + tgc_per_1000[stage] / 1000 * temp_c) ** 3
    if weight_g >= STAGE_MAX_G[stage] and stage < LAST_STAGE:
        stage += 1
    return weight_g, stage


def expected_weights(
    start: dt.date, weight_g: float, tgc_per_1000: dict[int, float], pools: list[tuple[int, str]], days: int
) -> list[float]:
    """Expected end-of-day weights for ``days`` days, the fish living in ``pools`` ((from day offset, pool) pairs)."""
    stage, weights, pool_at = 1, [], dict(pools)
    pool = pools[0][1]
    for offset in range(days):
        pool = pool_at.get(offset, pool)
        day_of_year = (start + dt.timedelta(days=offset)).timetuple().tm_yday
        weight_g, stage = tgc_day(weight_g, stage, tgc_per_1000, expected_temp_c(pool, day_of_year))
        weights.append(weight_g)
    return weights


def harvest_offset(expected: list[float], rng: random.Random) -> int:
    """The day offset a pen is harvested: when it should reach a target weight, within HARVEST_DAYS."""
    target_g = rng.uniform(*HARVEST_WEIGHT_G)
    earliest, latest = HARVEST_DAYS
    for offset in range(earliest, latest):
        if expected[offset] >= target_g:
            return offset
    return latest
