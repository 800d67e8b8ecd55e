"""Plain data passed between the demo planner, the truth simulation and the writer (no Django).

Dense records (one per assignment-day or container-reading) are NamedTuples: hundreds of thousands are
built for the faroe preset. Weights are grams, feed kilograms, temperatures °C, dates ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

ContainerKey = tuple[str, str]  # (site name, container name)
Interval = tuple[dt.date, dt.date | None]  # [start, end) with end None = still occupied


@dataclass(frozen=True)
class ContainerSpec:
    site: str
    site_kind: str  # Site.Kind value
    name: str
    kind: str  # Container.Kind value
    volume_m3: float

    @property
    def key(self) -> ContainerKey:
        return (self.site, self.name)


@dataclass
class Slot:
    """One future assignment: a batch in a container of ``pool`` from ``start`` to ``end`` (exclusive).

    ``end`` None means the fish are still there today. Only a batch's first slots carry a placement.
    ``stage_order`` is the stage of the fish on ``start``, set by the simulation.
    """

    index: int
    batch: int
    pool: str
    start: dt.date
    end: dt.date | None = None
    placement_count: int | None = None
    placement_weight_g: float | None = None
    container: ContainerKey | None = None
    stage_order: int = 1


@dataclass(frozen=True)
class Link:
    """``share`` of the source's fish (at the start of the move's day) go to ``dest``."""

    source: int
    dest: int
    share: float


@dataclass(frozen=True)
class Move:
    """Fish moved on ``date``. A full move empties its sources (their departure is ``date``)."""

    date: dt.date
    partial: bool
    links: tuple[Link, ...]


@dataclass
class BatchPlan:
    index: int
    start: dt.date
    slots: list[int] = field(default_factory=list)  # indices into FarmPlan.slots, in creation order
    moves: list[Move] = field(default_factory=list)
    tgc_per_1000: dict[int, float] = field(default_factory=dict)  # the batch's true TGC by stage order

    @property
    def start_month(self) -> int:
        return self.start.month


@dataclass
class FarmPlan:
    """Every batch's slots and moves up to today, and the containers they occupy."""

    batches: list[BatchPlan]
    slots: list[Slot]
    containers: dict[ContainerKey, ContainerSpec]


class TransferRec(NamedTuple):
    source: int  # slot index
    dest: int
    date: dt.date
    transferred_count: int
    mortality: int
    measured_avg_weight_g: float | None
    selection_method: str


class CastRec(NamedTuple):
    """One cast of a sampling, as a GrowthSampleCast holds it: fish weighed, their average and spread (g, 2 dp)."""

    fish_weighed: int
    avg_weight_g: float
    std_dev_weight_g: float | None
    weights_g: None = None


class SampleRec(NamedTuple):
    """The day's growth sample: its casts and their aggregate by the project's rule (apps/batch/sampling.py)."""

    slot: int
    date: dt.date
    size: int
    avg_weight_g: float
    std_dev_weight_g: float
    avg_length_cm: float
    casts: tuple[CastRec, ...] = ()


class MortalityRec(NamedTuple):
    slot: int
    date: dt.date
    count: int
    cause: str


class FeedingRec(NamedTuple):
    slot: int
    date: dt.date
    amount_kg: float
    feed: str


class TreatmentRec(NamedTuple):
    """A vaccination with weighing, or (realistic world) a delousing without one (``kind`` DELICING)."""

    slot: int
    date: dt.date
    weighed_count: int | None
    weighed_avg_weight_g: float | None
    kind: str = "VACCINATION"  # Treatment.Type value


class ReadingRec(NamedTuple):
    container: ContainerKey
    date: dt.date
    hour: int
    minute: int
    value_c: float


@dataclass
class BatchTruth:
    """What really happened to one batch (the simulation's hidden state, summarised)."""

    index: int
    completed: bool
    placed: int
    harvested: int
    days: int
    tgc_by_stage: dict[int, float]


@dataclass
class SlotTruth:
    """End-of-day true weight (g) and population of a slot, from ``start`` for ``len(weights_g)`` days."""

    start: dt.date
    weights_g: list[float] = field(default_factory=list)
    populations: list[int] = field(default_factory=list)


@dataclass
class FarmRecords:
    """Everything the farm recorded, plus the truth behind it."""

    plan: FarmPlan
    batches: list[BatchTruth]
    truth: list[SlotTruth]  # by slot index
    transfers: list[TransferRec] = field(default_factory=list)
    samples: list[SampleRec] = field(default_factory=list)
    mortality: list[MortalityRec] = field(default_factory=list)
    feedings: list[FeedingRec] = field(default_factory=list)
    treatments: list[TreatmentRec] = field(default_factory=list)
    readings: list[ReadingRec] = field(default_factory=list)
