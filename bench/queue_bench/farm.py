"""Build a benchmark farm with bulk writes, then compute its states once (signals muted while loading).

Every batch has its own scenario (TGC 2.5 per 1000, mortality 0.05 %/day) and ``per_batch`` assignments,
each in its own tank for the same ``days`` days ending on ``today`` (all still active). Per assignment-day:
one feeding event and two temperature readings (none every 10th day, so the engine interpolates); a growth
sample every 7th day and a mortality event every 5th day. Weights follow the TGC model at ~10 °C with ±5 %
sampling noise.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.batch.models import Batch, BatchContainerAssignment, GrowthSample, MortalityEvent, RecomputeRun
from apps.environmental.models import EnvironmentalReading
from apps.infrastructure.models import Container, Site
from apps.inventory.models import FeedingEvent
from apps.recompute.run import batch_recompute
from apps.recompute.signals import recompute_signals_muted
from apps.scenario.models import Scenario
from tests.factories import (
    MortalityModelFactory,
    SpeciesFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    stage,
    temperature_parameter,
)

FARM_APPS = ("batch", "inventory", "environmental", "health", "scenario", "infrastructure")
CHUNK = 5000
ONE_DAY = dt.timedelta(days=1)
TGC_PER_DAY_AT_10C = 2.5 / 1000 * 10.0


@dataclass(frozen=True)
class Placement:
    """One benchmark assignment: computable from ``first_day`` to ``last_day`` inclusive."""

    id: int
    batch_id: int
    first_day: dt.date
    last_day: dt.date
    weight0_g: float

    def expected_weight_g(self, day: dt.date) -> float:
        """The TGC model's weight at ~10 °C: cube root grows by TGC * T per day."""
        return (self.weight0_g ** (1 / 3) + TGC_PER_DAY_AT_10C * (day - self.first_day).days) ** 3

    def random_day(self, rng: random.Random, *, after_first: bool = False) -> dt.date:
        span = (self.last_day - self.first_day).days
        return self.first_day + dt.timedelta(days=rng.randint(1 if after_first else 0, span))


@dataclass
class Farm:
    batch_ids: list[int]
    placements: list[Placement]
    sample_days: set[tuple[int, dt.date]] = field(default_factory=set)
    rows: int = 0  # daily states after the initial recompute


def database_reset() -> None:
    """Empty every farm table (the benchmark database only: env.setup() checks its name)."""
    tables = [m._meta.db_table for label in FARM_APPS for m in apps.get_app_config(label).get_models()]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def farm_build(
    *, batches: int, per_batch: int, days: int, today: dt.date, seed: int, computed_until: dt.date | None = None
) -> Farm:
    """Load the farm (bulk, no signals) and recompute every batch fully up to ``computed_until`` (default
    ``today``). No markers are left behind."""
    rng = random.Random(seed)
    start = today - dt.timedelta(days=days - 1)
    with recompute_signals_muted():
        placements = _structure(batches=batches, per_batch=per_batch, start=start, today=today, rng=rng)
        farm = Farm(batch_ids=sorted({p.batch_id for p in placements}), placements=placements)
        _events(farm, rng)
    for batch_id in farm.batch_ids:
        summary = batch_recompute(batch_id=batch_id, today=computed_until or today, trigger="bench_setup")
        if not summary.ok:
            raise RuntimeError(f"initial recompute of batch {batch_id} failed: {summary.error}")
        farm.rows += summary.rows
    return farm


def _structure(*, batches: int, per_batch: int, start: dt.date, today: dt.date, rng: random.Random) -> list[Placement]:
    species = SpeciesFactory()
    smolt = stage("Smolt")
    profile = TemperatureProfileFactory(days={1: 9.0, 120: 12.0, 300: 8.0, 900: 10.0})
    tgc = TGCModelFactory(profile=profile, tgc_value=2.5)
    mortality = MortalityModelFactory(rate_percent=0.05)
    site = Site.objects.create(name="Bench site", kind=Site.Kind.FRESHWATER)
    containers = Container.objects.bulk_create(
        Container(site=site, name=f"Tank {i:04d}", kind=Container.Kind.TANK) for i in range(batches * per_batch)
    )
    batch_rows = Batch.objects.bulk_create(
        Batch(batch_number=f"QB-{i:04d}", species=species, start_date=start, status=Batch.Status.ACTIVE)
        for i in range(batches)
    )
    Scenario.objects.bulk_create(
        Scenario(
            name=f"Bench scenario {b.batch_number}",
            batch=b,
            start_date=start,
            duration_days=900,
            initial_count=10_000,
            initial_weight_g=Decimal("100.00"),
            tgc_model=tgc,
            mortality_model=mortality,
        )
        for b in batch_rows
    )
    weights = [round(rng.uniform(80, 120), 2) for _ in containers]
    assignments = BatchContainerAssignment.objects.bulk_create(
        BatchContainerAssignment(
            batch=batch_rows[i // per_batch],
            container=container,
            lifecycle_stage=smolt,
            assignment_date=start,
            placement_count=10_000,
            placement_avg_weight_g=Decimal(f"{weights[i]:.2f}"),
        )
        for i, container in enumerate(containers)
    )
    return [
        Placement(id=a.pk, batch_id=a.batch_id, first_day=start, last_day=today, weight0_g=w)
        for a, w in zip(assignments, weights)
    ]


def _events(farm: Farm, rng: random.Random) -> None:
    temperature = temperature_parameter()
    container_of = dict(BatchContainerAssignment.objects.values_list("pk", "container_id"))
    samples, deaths, feed, readings = [], [], [], []
    for p in farm.placements:
        day, index = p.first_day, 0
        while day <= p.last_day:
            weight = p.expected_weight_g(day)
            feed.append(FeedingEvent(assignment_id=p.id, feeding_date=day, amount_kg=_feed_kg(weight)))
            if index % 10 != 9:
                for hour in (6, 18):
                    when = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
                    readings.append(
                        EnvironmentalReading(
                            container_id=container_of[p.id], parameter=temperature, reading_time=when,
                            value=round(10.0 + rng.uniform(-1.5, 1.5), 2),
                        )
                    )  # fmt: skip
            if index % 7 == 6:
                measured = sample_weight(weight, rng)
                samples.append(GrowthSample(assignment_id=p.id, sample_date=day, sample_size=30, avg_weight_g=measured))
                farm.sample_days.add((p.id, day))
            if index % 5 == 4:
                deaths.append(MortalityEvent(assignment_id=p.id, event_date=day, count=rng.randint(1, 15)))
            day, index = day + ONE_DAY, index + 1
    for model, objects in ((FeedingEvent, feed), (EnvironmentalReading, readings), (GrowthSample, samples)):
        model.objects.bulk_create(objects, batch_size=CHUNK)
    MortalityEvent.objects.bulk_create(deaths, batch_size=CHUNK)


def sample_weight(expected_g: float, rng: random.Random) -> Decimal:
    return Decimal(f"{expected_g * rng.uniform(0.95, 1.05):.2f}")


def _feed_kg(weight_g: float) -> Decimal:
    return Decimal(f"{10_000 * weight_g / 1000 * 0.012:.3f}")  # ~1.2 % of the biomass a day


def last_run_id() -> int:
    return RecomputeRun.objects.order_by("-id").values_list("id", flat=True).first() or 0


def describe(farm: Farm) -> str:
    days = (farm.placements[0].last_day - farm.placements[0].first_day).days + 1
    return (
        f"{len(farm.batch_ids)} batch(es) x {len(farm.placements) // len(farm.batch_ids)} assignments x {days} days, "
        f"{farm.rows} daily states; queue {settings.CELERY_TASK_DEFAULT_QUEUE!r}"
    )
