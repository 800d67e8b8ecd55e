"""Small builders for engine inputs: plain dataclasses, sensible defaults, override what a test is about."""

from __future__ import annotations

import datetime as dt

from apps.batch.engine import Anchor, AssignmentInputs, ModelParams, Stage, StartState

DAY_1 = dt.date(2024, 3, 1)

SMOLT = 4
POST_SMOLT = 5
ADULT = 6

#: Atlantic salmon bands from docs/engine.md §4
SALMON_STAGES = {
    1: Stage(1, 1, 0.05, 0.5, 2),
    2: Stage(2, 2, 0.5, 6.0, 3),
    3: Stage(3, 3, 6.0, 60.0, 4),
    SMOLT: Stage(SMOLT, 4, 60.0, 180.0, POST_SMOLT),
    POST_SMOLT: Stage(POST_SMOLT, 5, 180.0, 500.0, ADULT, at_sea=True),
    ADULT: Stage(ADULT, 6, 500.0, 7000.0, None, at_sea=True),
}


def day(n: int) -> dt.date:
    """The calendar date of day number ``n`` (day 1 = DAY_1)."""
    return DAY_1 + dt.timedelta(days=n - 1)


def params(**overrides) -> ModelParams:
    values = dict(
        tgc=3.0,
        tgc_by_stage={},
        mortality_daily=0.0,
        mortality_daily_by_stage={},
        fcr_by_stage={},
        profile=((1, 10.0),),
        stages=SALMON_STAGES,
    )
    values.update(overrides)
    return ModelParams(**values)


def inputs(
    days: int = 30,
    *,
    weight_g: float = 100.0,
    population: int = 10_000,
    stage_id: int = SMOLT,
    first_day: int = 1,
    temp_c: float | None = 10.0,
    **overrides,
) -> AssignmentInputs:
    """An assignment from day ``first_day`` for ``days`` days, measured ``temp_c`` every day of it
    (and 7 days either side) unless ``daily_temps_c`` is given or ``temp_c`` is None."""
    first = day(first_day)
    temps = {}
    if temp_c is not None:
        temps = {day(n): temp_c for n in range(first_day - 7, first_day + days + 7)}
    values = dict(
        assignment_id=1,
        batch_start_date=DAY_1,
        first_day=first,
        last_day=first + dt.timedelta(days=days - 1),
        start=StartState(weight_g, population, population * weight_g / 1000, stage_id),
        daily_temps_c=temps,
    )
    values.update(overrides)
    return AssignmentInputs(**values)


def sample(weight_g: float) -> Anchor:
    return Anchor(weight_g=weight_g, kind="growth_sample", confidence=1.0)


def cube_root_steps(weights: list[float]) -> list[float]:
    roots = [w ** (1 / 3) for w in weights]
    return [b - a for a, b in zip(roots, roots[1:])]
