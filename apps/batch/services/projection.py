"""The scenario's planned series (docs/engine.md §9), computed by the same engine functions as the actual one."""

from __future__ import annotations

from apps.batch.engine import DayResult, Stage, project_scenario
from apps.batch.services.scenario_params import model_params, species_stages
from apps.scenario.models import Scenario
from aquamind.errors import RecomputeError


def _stage_for_weight(stages: dict[int, Stage], weight_g: float) -> int:
    """The first stage (by order) whose expected band reaches ``weight_g``; the last one past every band."""
    ordered = sorted(stages.values(), key=lambda s: s.order)
    for stage in ordered:
        if weight_g < stage.max_g:
            return stage.id
    return ordered[-1].id


def scenario_projection(*, scenario_id: int) -> list[DayResult]:
    """Day-by-day projection of a batch's scenario: initial count and weight at its start date, profile
    temperatures, model TGC, mortality and FCR per stage, no anchors."""
    scenario = Scenario.objects.select_related("tgc_model", "mortality_model", "batch").get(pk=scenario_id)
    if scenario.batch is None:
        raise RecomputeError(
            f"Scenario {scenario.name!r} belongs to no batch, so it has no species.", code="no_species"
        )
    stages = species_stages(scenario.batch.species_id)
    if not stages:
        raise RecomputeError("The batch's species has no life-cycle stages.", code="no_stages")
    weight = float(scenario.initial_weight_g)
    return project_scenario(
        start_date=scenario.start_date,
        duration_days=scenario.duration_days,
        initial_count=scenario.initial_count,
        initial_weight_g=weight,
        stage_id=_stage_for_weight(stages, weight),
        params=model_params(scenario, stages),
    )
