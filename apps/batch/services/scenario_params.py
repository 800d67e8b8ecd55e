"""Turn a batch's scenario and its models into the engine's plain ``ModelParams``."""

from __future__ import annotations

from apps.batch.engine import ModelParams, Stage
from apps.batch.engine.population import daily_rate_from_weekly
from apps.batch.models import Batch, LifeCycleStage
from apps.batch.services.queries import rows_for_id
from apps.scenario.models import (
    FCRModelStage,
    MortalityModel,
    MortalityStageOverride,
    Scenario,
    TemperatureProfileDay,
    TGCStageOverride,
)
from aquamind.errors import RecomputeError


def batches_using_scenarios(scenarios) -> set[int]:
    """Ids of the batches whose computation uses one of ``scenarios`` (a queryset): their own or pinned."""
    ids = set(scenarios.exclude(batch_id=None).values_list("batch_id", flat=True))
    ids |= set(Batch.objects.filter(pinned_scenario__in=scenarios).values_list("pk", flat=True))
    return ids


def scenario_for_batch(batch: Batch) -> Scenario:
    """The batch's pinned scenario, else its newest; a batch without one cannot be computed."""
    if batch.pinned_scenario_id:
        return Scenario.objects.select_related("tgc_model", "mortality_model").get(pk=batch.pinned_scenario_id)
    scenario = (
        Scenario.objects.select_related("tgc_model", "mortality_model")
        .filter(batch_id=batch.pk)
        .order_by("-created_at", "-id")
        .first()
    )
    if scenario is None:
        raise RecomputeError(
            f"Batch {batch.batch_number} has no scenario: pin one or create one so its growth can be computed.",
            code="no_scenario",
        )
    return scenario


def species_stages(species_id: int) -> dict[int, Stage]:
    rows = rows_for_id(_stages_queryset, species_id)
    stages = {}
    for index, (stage_id, order, min_g, max_g, at_sea) in enumerate(rows):
        next_id = rows[index + 1][0] if index + 1 < len(rows) else None
        stages[stage_id] = Stage(
            id=stage_id, order=order, min_g=float(min_g), max_g=float(max_g), next_stage_id=next_id, at_sea=at_sea
        )
    return stages


def _stages_queryset(species_id: int):
    return (
        LifeCycleStage.objects.filter(species_id=species_id)
        .order_by("order")
        .values_list("id", "order", "expected_weight_min_g", "expected_weight_max_g", "at_sea")
    )


def _profile_queryset(profile_id: int):
    return (
        TemperatureProfileDay.objects.filter(profile_id=profile_id)
        .order_by("day_number")
        .values_list("day_number", "temp_c")
    )


def _tgc_overrides_queryset(model_id: int):
    return TGCStageOverride.objects.filter(model_id=model_id).values_list("lifecycle_stage_id", "tgc_value")


def _mortality_overrides_queryset(model_id: int):
    return MortalityStageOverride.objects.filter(model_id=model_id).values_list("lifecycle_stage_id", "rate_percent")


def _fcr_stages_queryset(model_id: int):
    return FCRModelStage.objects.filter(model_id=model_id).values_list("lifecycle_stage_id", "fcr_value")


def _daily_fraction(rate_percent: float, frequency: str) -> float:
    fraction = rate_percent / 100.0
    if frequency == MortalityModel.Frequency.WEEKLY:
        return daily_rate_from_weekly(fraction)
    return fraction


def model_params(scenario: Scenario, stages: dict[int, Stage]) -> ModelParams:
    """Five small queries whatever the scenario's size."""
    tgc = scenario.tgc_model
    profile = tuple((day, float(temp)) for day, temp in rows_for_id(_profile_queryset, tgc.profile_id))
    if not profile:
        raise RecomputeError(
            f"Scenario {scenario.name!r} has a temperature profile with no days; add the profile's temperatures.",
            code="invalid_scenario",
        )
    mortality = scenario.mortality_model
    return ModelParams(
        tgc=float(tgc.tgc_value),
        tgc_by_stage=dict(rows_for_id(_tgc_overrides_queryset, tgc.pk)),
        mortality_daily=_daily_fraction(mortality.rate_percent, mortality.frequency),
        mortality_daily_by_stage={
            stage_id: _daily_fraction(rate, mortality.frequency)
            for stage_id, rate in rows_for_id(_mortality_overrides_queryset, mortality.pk)
        },
        fcr_by_stage=dict(rows_for_id(_fcr_stages_queryset, scenario.fcr_model_id)) if scenario.fcr_model_id else {},
        profile=profile,
        stages=stages,
    )
