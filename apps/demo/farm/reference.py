"""The rows every demo batch refers to: species and stages, the temperature parameter, feeds, sites and
containers, and the scenario models. Each is reused when present (matched by name), created otherwise, so
the generator can run again on the same database.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.batch.models import BatchContainerAssignment, LifeCycleStage, Species
from apps.environmental.models import EnvironmentalParameter
from apps.infrastructure.models import Container, Site
from apps.inventory.models import Feed
from apps.scenario.models import (
    FCRModel,
    FCRModelStage,
    MortalityModel,
    TemperatureProfile,
    TemperatureProfileDay,
    TGCModel,
    TGCStageOverride,
)
from aquamind.domain import reading_range

from . import layout
from .schedule import planned_temperatures
from .types import ContainerKey, ContainerSpec, Interval


@dataclass(frozen=True)
class ScenarioModels:
    tgc_model_ids: dict[int, int]  # by start month
    mortality_model_id: int
    fcr_model_id: int


def occupied_intervals_load() -> dict[ContainerKey, list[Interval]]:
    """Every container's existing assignments as [assignment_date, departure_date) by (site, container) name."""
    occupied: dict[ContainerKey, list[Interval]] = {}
    rows = BatchContainerAssignment.objects.values_list(
        "container__site__name", "container__name", "assignment_date", "departure_date"
    )
    for site, name, start, end in rows.iterator(chunk_size=5000):
        occupied.setdefault((site, name), []).append((start, end))
    return occupied


def species_ensure() -> tuple[int, dict[int, int]]:
    """(species id, stage id by order) for Atlantic salmon; existing stages are kept as they are."""
    species, _ = Species.objects.get_or_create(
        name=layout.SPECIES_NAME, defaults={"scientific_name": layout.SPECIES_SCIENTIFIC_NAME}
    )
    existing = dict(LifeCycleStage.objects.filter(species=species).values_list("order", "id"))
    missing = [
        LifeCycleStage(
            species=species,
            order=o,
            name=name,
            expected_weight_min_g=low,
            expected_weight_max_g=high,
            at_sea=o in layout.SEA_STAGES,
        )
        for o, name, low, high in layout.STAGES
        if o not in existing
    ]
    for stage in LifeCycleStage.objects.bulk_create(missing):
        existing[stage.order] = stage.pk
    return species.pk, existing


def temperature_parameter_ensure() -> int:
    parameter = EnvironmentalParameter.objects.filter(code__iexact=layout.TEMPERATURE_CODE).order_by("id").first()
    if parameter is None:
        parameter = EnvironmentalParameter.objects.create(
            code=layout.TEMPERATURE_CODE,
            name=layout.TEMPERATURE_NAME,
            unit=layout.TEMPERATURE_UNIT,
            **reading_range(layout.TEMPERATURE_CODE),
        )
    return parameter.pk


def feeds_ensure() -> dict[str, int]:
    names = sorted(set(layout.FEED_BY_STAGE.values()))
    existing = dict(Feed.objects.filter(name__in=names).values_list("name", "id"))
    created = Feed.objects.bulk_create(Feed(name=n, brand="Demo feeds") for n in names if n not in existing)
    return existing | {feed.name: feed.pk for feed in created}


def containers_ensure(specs: dict[ContainerKey, ContainerSpec]) -> dict[ContainerKey, int]:
    """Container id by (site, name), creating the sites and containers that do not exist yet."""
    site_ids = {}
    for site_name, kind in sorted({(s.site, s.site_kind) for s in specs.values()}):
        site_ids[site_name] = Site.objects.get_or_create(name=site_name, defaults={"kind": kind})[0].pk
    existing = {
        (site, name): pk
        for pk, site, name in Container.objects.filter(site__name__in=site_ids).values_list("id", "site__name", "name")
    }
    new = [
        Container(site_id=site_ids[s.site], name=s.name, kind=s.kind, volume_m3=s.volume_m3)
        for key, s in sorted(specs.items())
        if key not in existing
    ]
    site_names = {pk: name for name, pk in site_ids.items()}
    for container in Container.objects.bulk_create(new):
        existing[(site_names[container.site_id], container.name)] = container.pk
    return existing


def scenario_models_ensure(months: set[int], stage_ids: dict[int, int]) -> ScenarioModels:
    mortality, _ = MortalityModel.objects.get_or_create(
        name=layout.MORTALITY_MODEL_NAME,
        defaults={"frequency": MortalityModel.Frequency.DAILY, "rate_percent": layout.MORTALITY_DAILY_PERCENT},
    )
    fcr, created = FCRModel.objects.get_or_create(name=layout.FCR_MODEL_NAME)
    if created:
        FCRModelStage.objects.bulk_create(
            FCRModelStage(model=fcr, lifecycle_stage_id=stage_ids[o], fcr_value=v)
            for o, v in layout.FCR_BY_STAGE.items()
        )
    tgc_ids = {month: _tgc_model_ensure(month, stage_ids) for month in sorted(months)}
    return ScenarioModels(tgc_model_ids=tgc_ids, mortality_model_id=mortality.pk, fcr_model_id=fcr.pk)


def _tgc_model_ensure(month: int, stage_ids: dict[int, int]) -> int:
    """The TGC model of batches starting in ``month``, with its temperature profile and stage overrides."""
    profile, created = TemperatureProfile.objects.get_or_create(name=layout.profile_name(month))
    if created:
        TemperatureProfileDay.objects.bulk_create(
            TemperatureProfileDay(profile=profile, day_number=n, temp_c=t)
            for n, t in enumerate(planned_temperatures(month, layout.PLAN_DAYS), start=1)
        )
    model, created = TGCModel.objects.get_or_create(
        name=layout.tgc_model_name(month), defaults={"tgc_value": layout.tgc_model_value(month), "profile": profile}
    )
    if created:
        TGCStageOverride.objects.bulk_create(
            TGCStageOverride(model=model, lifecycle_stage_id=stage_ids[o], tgc_value=v)
            for o, v in layout.TGC_STAGE_OVERRIDES.items()
        )
    return model.pk
