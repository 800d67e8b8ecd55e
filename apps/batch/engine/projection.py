"""``project_scenario``: the planned series of a scenario (docs/engine.md §9).

The same growth, stage and population functions as the actual series, but from the scenario alone: its
initial count and weight, profile temperatures, model TGC and mortality, and feed from the FCR model.
"""

from __future__ import annotations

import datetime as dt

from apps.batch.engine.confidence import after_anchor_confidence
from apps.batch.engine.growth import grow_forward
from apps.batch.engine.population import model_deaths
from apps.batch.engine.stage import mortality_rates, stage_rules
from apps.batch.engine.temperature import profile_temperature
from apps.batch.engine.types import DayResult, ModelParams

PROJECTION_SOURCES = {
    "weight": "tgc_computed",
    "temp": "profile",
    "mortality": "model",
    "feed": "fcr_model",
    "fcr": "model",
}


def project_scenario(
    *,
    start_date: dt.date,
    duration_days: int,
    initial_count: int,
    initial_weight_g: float,
    stage_id: int,
    params: ModelParams,
) -> list[DayResult]:
    """``duration_days`` rows; row 1 is the end of ``start_date`` (day number 1).

    Temperatures come from the profile at the day number. Deaths follow the model rate of the stage at the
    start of the day (half-even rounding). ``feed_kg`` = FCR of the stage at the start of the day x the
    day's biomass gain (0 when biomass did not rise; 0 for a stage without FCR). ``observed_fcr`` is None.
    Raises ValueError for a non-positive initial weight.
    """
    if duration_days <= 0:
        return []
    if not initial_weight_g > 0.0:
        raise ValueError(f"initial weight must be positive, got {initial_weight_g!r} g")
    temps = [profile_temperature(params.profile, n) for n in range(1, duration_days + 1)]
    rules = stage_rules(params, (stage_id,))
    weights, stages = grow_forward(initial_weight_g, stage_id, temps, 0, duration_days, rules)
    rates = mortality_rates(params, rules)
    population = initial_count
    biomass_before = initial_count * initial_weight_g / 1000.0
    stage_at_start = stage_id
    rows: list[DayResult] = []
    for i, (weight, stage, temp) in enumerate(zip(weights, stages, temps)):
        deaths = model_deaths(rates[stage_at_start], population)
        population -= deaths
        biomass = population * weight / 1000.0
        feed = params.fcr_by_stage.get(stage_at_start, 0.0) * max(biomass - biomass_before, 0.0)
        rows.append(
            DayResult(
                start_date + dt.timedelta(days=i),
                i + 1,
                stage,
                weight,
                population,
                biomass,
                temp,
                deaths,
                feed,
                None,
                None,
                PROJECTION_SOURCES,
                _confidence(i + 1),
            )
        )
        biomass_before, stage_at_start = biomass, stage
    return rows


def _confidence(day_number: int) -> dict[str, float]:
    """A plan is a model run from its start: weight confidence decays as after an anchor."""
    return {
        "weight": after_anchor_confidence(day_number),
        "temp": 0.5,
        "mortality": 0.4,
        "feed": 0.4,
        "fcr": 0.0,
    }
