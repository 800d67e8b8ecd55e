"""factory-boy factories for the farm domain. Stages follow docs/engine.md §4 (Atlantic salmon)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from apps.batch import models as batch
from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.health.models import Treatment
from apps.infrastructure.models import Container, Site
from apps.inventory.models import FeedingEvent
from apps.scenario import models as scenario
from aquamind.domain import reading_range

SALMON_STAGES = [
    ("Egg&Alevin", 0.05, 0.5),
    ("Fry", 0.5, 6),
    ("Parr", 6, 60),
    ("Smolt", 60, 180),
    ("Post-Smolt", 180, 500),
    ("Adult", 500, 7000),
]
SEA_STAGE_NAMES = ("Post-Smolt", "Adult")


class SpeciesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = batch.Species
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = "Atlantic salmon"

    @factory.post_generation
    def stages(obj, create, extracted, **kwargs):
        for order, (name, low, high) in enumerate(SALMON_STAGES, start=1):
            batch.LifeCycleStage.objects.get_or_create(
                species=obj,
                order=order,
                defaults={
                    "name": name,
                    "expected_weight_min_g": low,
                    "expected_weight_max_g": high,
                    "at_sea": name in SEA_STAGE_NAMES,
                },
            )


def stage(name: str) -> batch.LifeCycleStage:
    return batch.LifeCycleStage.objects.get(species=SpeciesFactory(), name=name)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n}")
    kind = Site.Kind.FRESHWATER


class ContainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Container

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Tank {n}")
    kind = Container.Kind.TANK


class TemperatureProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = scenario.TemperatureProfile
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Profile {n}")

    @factory.post_generation
    def days(obj, create, extracted, **kwargs):
        temps = extracted if extracted is not None else {1: 10.0}
        scenario.TemperatureProfileDay.objects.bulk_create(
            scenario.TemperatureProfileDay(profile=obj, day_number=day, temp_c=temp) for day, temp in temps.items()
        )


class TGCModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = scenario.TGCModel

    name = factory.Sequence(lambda n: f"TGC {n}")
    tgc_value = 2.5
    profile = factory.SubFactory(TemperatureProfileFactory)


class MortalityModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = scenario.MortalityModel

    name = factory.Sequence(lambda n: f"Mortality {n}")
    frequency = scenario.MortalityModel.Frequency.DAILY
    rate_percent = 0.05


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = batch.Batch

    batch_number = factory.Sequence(lambda n: f"B-{n:04d}")
    species = factory.SubFactory(SpeciesFactory)
    start_date = dt.date(2024, 1, 1)
    status = batch.Batch.Status.ACTIVE


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = scenario.Scenario

    name = factory.Sequence(lambda n: f"Scenario {n}")
    batch = factory.SubFactory(BatchFactory)
    start_date = factory.SelfAttribute("batch.start_date")
    duration_days = 900
    initial_count = 10_000
    initial_weight_g = Decimal("100.00")
    tgc_model = factory.SubFactory(TGCModelFactory)
    mortality_model = factory.SubFactory(MortalityModelFactory)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = batch.BatchContainerAssignment

    batch = factory.SubFactory(BatchFactory)
    container = factory.SubFactory(ContainerFactory)
    lifecycle_stage = factory.LazyFunction(lambda: stage("Smolt"))
    assignment_date = factory.SelfAttribute("batch.start_date")
    departure_date = None
    placement_count = 10_000
    placement_avg_weight_g = Decimal("100.00")


class GrowthSampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = batch.GrowthSample

    assignment = factory.SubFactory(AssignmentFactory)
    sample_date = factory.SelfAttribute("assignment.assignment_date")
    sample_size = 30
    avg_weight_g = Decimal("150.00")


class MortalityEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = batch.MortalityEvent

    assignment = factory.SubFactory(AssignmentFactory)
    event_date = factory.SelfAttribute("assignment.assignment_date")
    count = 10


class FeedingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedingEvent

    assignment = factory.SubFactory(AssignmentFactory)
    feeding_date = factory.SelfAttribute("assignment.assignment_date")
    amount_kg = Decimal("10.000")


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = batch.TransferAction

    source_assignment = factory.SubFactory(AssignmentFactory)
    dest_assignment = factory.SubFactory(
        AssignmentFactory,
        batch=factory.SelfAttribute("..source_assignment.batch"),
        placement_count=None,
        placement_avg_weight_g=None,
    )
    status = batch.TransferAction.Status.COMPLETED
    actual_execution_date = factory.SelfAttribute("dest_assignment.assignment_date")
    transferred_count = 1000


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treatment

    assignment = factory.SubFactory(AssignmentFactory)
    treatment_date = factory.SelfAttribute("assignment.assignment_date")
    treatment_type = Treatment.Type.VACCINATION
    includes_weighing = True
    weighed_count = 50
    weighed_avg_weight_g = Decimal("120.00")


def temperature_parameter() -> EnvironmentalParameter:
    defaults = {"name": "Temperature", "unit": "°C", **reading_range("temperature")}
    return EnvironmentalParameter.objects.get_or_create(code="temperature", defaults=defaults)[0]


def reading(container, when: dt.datetime, value: float) -> EnvironmentalReading:
    return EnvironmentalReading.objects.create(
        container=container, parameter=temperature_parameter(), reading_time=when, value=value
    )
