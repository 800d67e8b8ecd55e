"""The standard benchmark shapes of docs/benchmarks.md, built with bulk writes (no signals fire).

PAR-10×900: one batch from 2023-01-01, 10 assignments side by side, each in its own container for 900 days.
SEQ-10×90: one batch, 10 assignments of 90 days one after another, linked by completed transfers whose
destination takes its starting weight from the source's computed row (no measured weight).

Every assignment-day gets one feeding event and two temperature readings (none on every 10th day, so the
engine interpolates); every 7th day a growth sample, every 5th day a mortality event. Scenario: TGC 2.5 per
1000, a 900-day temperature profile, mortality 0.05 %/day. A shape's data lives under its own site and
batch number and is dropped and rebuilt on every run.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.batch.models import (
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    LifeCycleStage,
    MortalityEvent,
    Species,
    TransferAction,
)
from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.infrastructure.models import Container, Site
from apps.inventory.models import FeedingEvent
from apps.scenario.models import MortalityModel, Scenario, TemperatureProfile, TemperatureProfileDay, TGCModel
from aquamind.domain import reading_range
from bench.harness import sql

START = dt.date(2023, 1, 1)
ONE_DAY = dt.timedelta(days=1)
PROFILE_DAYS = 900
TGC = 2.5
MORTALITY_PERCENT = 0.05
START_WEIGHT_G = 100.0
PLACEMENT_COUNT = 100_000
SALMON_STAGES = (  # (order, name, min_g, max_g), docs/engine.md §4
    (1, "Egg&Alevin", 0.05, 0.5),
    (2, "Fry", 0.5, 6.0),
    (3, "Parr", 6.0, 60.0),
    (4, "Smolt", 60.0, 180.0),
    (5, "Post-Smolt", 180.0, 500.0),
    (6, "Adult", 500.0, 7000.0),
)


@dataclass(frozen=True)
class Shape:
    """A built shape: its batch, assignments (in order) and the ``today`` to compute it with."""

    name: str
    batch_id: int
    assignment_ids: list[int]
    container_ids: list[int]
    today: dt.date
    rows: int  # daily rows a full recompute writes


def profile_temp_c(day_number: int) -> float:
    """The planned temperature: a seasonal wave between 4 and 12 °C (day 1 = 1 January)."""
    return round(8.0 - 4.0 * math.cos(2 * math.pi * (day_number - 45) / 365.0), 2)


def par_build(*, assignments: int = 10, days: int = 900) -> Shape:
    """PAR-10×900."""
    name = f"PAR-{assignments}x{days}"
    spans = [(START, days)] * assignments
    return _build(name, spans, linked=False)


def seq_build(*, assignments: int = 10, days: int = 90) -> Shape:
    """SEQ-10×90."""
    name = f"SEQ-{assignments}x{days}"
    spans = [(START + dt.timedelta(days=i * days), days) for i in range(assignments)]
    return _build(name, spans, linked=True)


def shape_drop(name: str) -> None:
    """Remove a shape's batch, records, states, containers and site (raw SQL: fast, no signals)."""
    number = _batch_number(name)
    site = _site_name(name)
    assignment_ids = (
        "SELECT a.id FROM batch_batchcontainerassignment a JOIN batch_batch b ON b.id = a.batch_id "
        "WHERE b.batch_number = %s"
    )
    sql(  # the samples' casts first (issue 21)
        "DELETE FROM batch_growthsamplecast WHERE sample_id IN "
        f"(SELECT id FROM batch_growthsample WHERE assignment_id IN ({assignment_ids}))",
        (number,),
    )
    runs = "SELECT r.id FROM batch_recomputerun r JOIN batch_batch b ON b.id = r.batch_id WHERE b.batch_number = %s"
    for table in ("audit_statemove", "audit_markcause"):  # what each run changed and why (issue 24)
        sql(f"DELETE FROM {table} WHERE run_id IN ({runs})", (number,))
    sql(
        "DELETE FROM batch_failedrecompute WHERE batch_id IN (SELECT id FROM batch_batch WHERE batch_number = %s)",
        (number,),
    )
    for table, column in (
        ("batch_actualdailyassignmentstate", "assignment_id"),
        ("forecast_growthsegment", "assignment_id"),
        ("forecast_projection", "assignment_id"),
        ("batch_growthsample", "assignment_id"),
        ("batch_mortalityevent", "assignment_id"),
        ("inventory_feedingevent", "assignment_id"),
        ("health_treatment", "assignment_id"),
        ("batch_recomputemarker", "assignment_id"),
        ("batch_transferaction", "source_assignment_id"),
        ("batch_transferaction", "dest_assignment_id"),
    ):
        sql(f"DELETE FROM {table} WHERE {column} IN ({assignment_ids})", (number,))
    sql(f"DELETE FROM batch_batchcontainerassignment WHERE id IN ({assignment_ids})", (number,))
    sql(
        "DELETE FROM batch_recomputerun WHERE batch_id IN (SELECT id FROM batch_batch WHERE batch_number = %s)",
        (number,),
    )
    sql(
        "DELETE FROM forecast_projection WHERE batch_id IN (SELECT id FROM batch_batch WHERE batch_number = %s)",
        (number,),
    )
    scenario_ids = (
        "SELECT s.id FROM scenario_scenario s JOIN batch_batch b ON b.id = s.batch_id WHERE b.batch_number = %s"
    )
    models = sql(
        f"SELECT tgc_model_id, mortality_model_id FROM scenario_scenario WHERE id IN ({scenario_ids})", (number,)
    )
    sql("UPDATE batch_batch SET pinned_scenario_id = NULL WHERE batch_number = %s", (number,))
    sql(f"DELETE FROM scenario_scenario WHERE id IN ({scenario_ids})", (number,))
    for tgc_id, mortality_id in models:
        profile = sql("SELECT profile_id FROM scenario_tgcmodel WHERE id = %s", (tgc_id,))
        sql("DELETE FROM scenario_tgcmodel WHERE id = %s", (tgc_id,))
        sql("DELETE FROM scenario_mortalitymodel WHERE id = %s", (mortality_id,))
        if profile:
            sql("DELETE FROM scenario_temperatureprofileday WHERE profile_id = %s", (profile[0][0],))
            sql("DELETE FROM scenario_temperatureprofile WHERE id = %s", (profile[0][0],))
    sql("DELETE FROM batch_batch WHERE batch_number = %s", (number,))
    containers = (
        "SELECT c.id FROM infrastructure_container c JOIN infrastructure_site s ON s.id = c.site_id WHERE s.name = %s"
    )
    sql(f"DELETE FROM environmental_environmentalreading WHERE container_id IN ({containers})", (site,))
    sql(f"DELETE FROM infrastructure_container WHERE id IN ({containers})", (site,))
    sql("DELETE FROM infrastructure_site WHERE name = %s", (site,))


def _batch_number(name: str) -> str:
    return f"BENCH-{name}"


def _site_name(name: str) -> str:
    return f"Bench site {name}"


def _build(name: str, spans: list[tuple[dt.date, int]], *, linked: bool) -> Shape:
    shape_drop(name)
    rng = random.Random(name)
    with transaction.atomic():
        stage_ids = _stages()
        parameter = _temperature_parameter()
        batch = Batch.objects.create(
            batch_number=_batch_number(name), species_id=stage_ids["species"], start_date=START
        )
        _scenario(name, batch)
        site = Site.objects.create(name=_site_name(name), kind=Site.Kind.SEA)
        containers = Container.objects.bulk_create(
            Container(site=site, name=f"Pen {i + 1:02d}", kind=Container.Kind.PEN) for i in range(len(spans))
        )
        assignments = BatchContainerAssignment.objects.bulk_create(
            BatchContainerAssignment(
                batch=batch,
                container=container,
                lifecycle_stage_id=stage_ids[4],
                assignment_date=first,
                departure_date=first + dt.timedelta(days=days) if linked and i < len(spans) - 1 else None,
                placement_count=PLACEMENT_COUNT if not linked or i == 0 else None,
                placement_avg_weight_g=Decimal(f"{START_WEIGHT_G:.2f}") if not linked or i == 0 else None,
            )
            for i, (container, (first, days)) in enumerate(zip(containers, spans))
        )
        if linked:
            _transfers(assignments, spans)
        samples, deaths, feedings, readings = [], [], [], []
        for assignment, (first, days) in zip(assignments, spans):
            for k in range(days):
                day = first + dt.timedelta(days=k)
                day_number = (day - START).days + 1
                weight = _expected_weight_g(day_number)
                feedings.append(
                    FeedingEvent(
                        assignment=assignment,
                        feeding_date=day,
                        amount_kg=Decimal(f"{PLACEMENT_COUNT * weight / 1000 * 0.008 * rng.uniform(0.8, 1.2):.3f}"),
                    )
                )
                if day_number % 10:
                    for hour, delta in ((6, -0.3), (18, 0.3)):
                        readings.append(
                            EnvironmentalReading(
                                container_id=assignment.container_id,
                                parameter_id=parameter,
                                reading_time=timezone.make_aware(dt.datetime.combine(day, dt.time(hour))),
                                value=round(profile_temp_c(day_number) + delta + rng.gauss(0, 0.3), 2),
                            )
                        )
                if day_number % 7 == 0:
                    samples.append(
                        GrowthSample(
                            assignment=assignment,
                            sample_date=day,
                            sample_size=30,
                            avg_weight_g=Decimal(f"{weight * rng.uniform(0.95, 1.05):.2f}"),
                        )
                    )
                if day_number % 5 == 0:
                    deaths.append(MortalityEvent(assignment=assignment, event_date=day, count=rng.randint(20, 80)))
        FeedingEvent.objects.bulk_create(feedings, batch_size=5000)
        EnvironmentalReading.objects.bulk_create(readings, batch_size=5000)
        GrowthSample.objects.bulk_create(samples, batch_size=5000)
        MortalityEvent.objects.bulk_create(deaths, batch_size=5000)
    last_day = max(first + dt.timedelta(days=days - 1) for first, days in spans)
    for table in (
        "inventory_feedingevent",
        "environmental_environmentalreading",
        "batch_growthsample",
        "batch_mortalityevent",
        "batch_batchcontainerassignment",
        "batch_transferaction",
    ):
        sql(f"ANALYZE {table}")
    return Shape(
        name=name,
        batch_id=batch.pk,
        assignment_ids=[a.pk for a in assignments],
        container_ids=[c.pk for c in containers],
        today=last_day,
        rows=sum(days for _, days in spans),
    )


def _transfers(assignments: list[BatchContainerAssignment], spans) -> None:
    """Move 90 % of the fish that entered each assignment into the next one on the day it starts."""
    count = PLACEMENT_COUNT
    actions = []
    for source, dest, (first, _) in zip(assignments, assignments[1:], spans[1:]):
        count = int(count * 0.9)
        actions.append(
            TransferAction(
                source_assignment=source,
                dest_assignment=dest,
                status=TransferAction.Status.COMPLETED,
                planned_date=first,
                actual_execution_date=first,
                transferred_count=count,
                mortality_during_transfer=5,
            )
        )
    TransferAction.objects.bulk_create(actions)


@functools.cache
def _expected_weight_g(day_number: int) -> float:
    """A TGC 2.5 curve from 100 g over the profile (what the growth samples roughly measure)."""
    root = START_WEIGHT_G ** (1 / 3) if day_number == 1 else _expected_weight_g(day_number - 1) ** (1 / 3)
    return min((root + TGC / 1000 * profile_temp_c(day_number)) ** 3, 6900.0)


def _stages() -> dict:
    """Atlantic salmon and its stages (reused when the demo generator already made them): stage id by order,
    plus ``"species"``."""
    species, _ = Species.objects.get_or_create(name="Atlantic salmon", defaults={"scientific_name": "Salmo salar"})
    existing = dict(LifeCycleStage.objects.filter(species=species).values_list("order", "id"))
    for order, name, low, high in SALMON_STAGES:
        if order not in existing:
            existing[order] = LifeCycleStage.objects.create(
                species=species, order=order, name=name, expected_weight_min_g=low, expected_weight_max_g=high
            ).pk
    return {**existing, "species": species.pk}


def _temperature_parameter() -> int:
    parameter = EnvironmentalParameter.objects.filter(code__iexact="temperature").order_by("id").first()
    if parameter is None:
        parameter = EnvironmentalParameter.objects.create(
            code="temperature", name="Water temperature", unit="°C", **reading_range("temperature")
        )
    return parameter.pk


def _scenario(name: str, batch: Batch) -> Scenario:
    profile = TemperatureProfile.objects.create(name=f"Bench profile {name}")
    TemperatureProfileDay.objects.bulk_create(
        TemperatureProfileDay(profile=profile, day_number=d, temp_c=profile_temp_c(d))
        for d in range(1, PROFILE_DAYS + 1)
    )
    tgc = TGCModel.objects.create(name=f"Bench TGC {name}", tgc_value=TGC, profile=profile)
    mortality = MortalityModel.objects.create(
        name=f"Bench mortality {name}", frequency=MortalityModel.Frequency.DAILY, rate_percent=MORTALITY_PERCENT
    )
    return Scenario.objects.create(
        name=f"Bench {name}",
        batch=batch,
        start_date=START,
        duration_days=PROFILE_DAYS,
        initial_count=PLACEMENT_COUNT,
        initial_weight_g=Decimal(f"{START_WEIGHT_G:.2f}"),
        tgc_model=tgc,
        mortality_model=mortality,
    )
