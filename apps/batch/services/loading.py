"""Load everything one batch's recompute needs, in a fixed, small number of queries.

Phase one reads the batch, its scenario and the sparse records (assignments, anchors, transfers) of the
whole batch; the caller then decides which assignments to compute from which day; phase two reads the
dense records (deaths, feed, temperatures, stored rows to restart from) for just those assignments and days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.batch.engine import Anchor, ModelParams
from apps.batch.engine.growth import transfer_anchor_weight
from apps.batch.engine.temperature import MAX_GAP_DAYS
from apps.batch.engine.types import ANCHOR_GROWTH_SAMPLE, ANCHOR_TRANSFER, ANCHOR_VACCINATION
from apps.batch.models import (
    ActualDailyAssignmentState,
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    MortalityEvent,
    TransferAction,
)
from apps.batch.services.queries import reused_query, reused_rows, rows_for_id
from apps.batch.services.scenario_params import model_params, scenario_for_batch, species_stages
from apps.environmental.models import EnvironmentalReading
from apps.health.models import Treatment
from apps.infrastructure.models import Site
from apps.inventory.models import FeedingEvent

ONE_DAY = dt.timedelta(days=1)
TEMPERATURE_REACH = dt.timedelta(days=MAX_GAP_DAYS)  # interpolation looks this far either side
ANCHOR_CONFIDENCE = {ANCHOR_GROWTH_SAMPLE: 1.0, ANCHOR_TRANSFER: 0.95, ANCHOR_VACCINATION: 0.90}


@dataclass(frozen=True)
class AssignmentRecord:
    """An assignment and its computable range ``first_day .. last_day`` (empty when last < first)."""

    id: int
    container_id: int
    stage_id: int
    first_day: dt.date
    last_day: dt.date
    placement_count: int | None
    placement_weight_g: float | None
    departure_date: dt.date | None = None
    site_id: int | None = None  # the container's site, for the forecast (its kind: fresh water or sea)
    freshwater: bool = False


@dataclass(frozen=True)
class TransferRecord:
    id: int
    source_id: int
    dest_id: int
    date: dt.date
    transferred_count: int
    mortality: int
    measured_weight_g: float | None
    selection_method: str


@dataclass(frozen=True)
class StoredRow:
    """The rounded values of a stored daily state, as a restart reads them."""

    avg_weight_g: float
    population: int
    biomass_kg: float
    stage_id: int


@dataclass
class BatchData:
    batch: Batch
    params: ModelParams
    initial_weight_g: float
    assignments: list[AssignmentRecord]
    transfers: list[TransferRecord]
    anchors: dict[int, dict[dt.date, Anchor]]
    mortality: dict[int, dict[dt.date, int]] = field(default_factory=dict)
    feed_kg: dict[int, dict[dt.date, float]] = field(default_factory=dict)
    temps_c: dict[int, dict[dt.date, float]] = field(default_factory=dict)
    stored: dict[tuple[int, dt.date], StoredRow] = field(default_factory=dict)
    scenario_end: dt.date | None = None  # the scenario's last day (the projections' horizon)


def batch_data_load(*, batch_id: int, today: dt.date) -> BatchData:
    """Phase one: the batch, its scenario's parameters and all sparse records (about ten queries)."""
    # only what the computation reads: every column read here has a rule in services/reach.py
    batch = Batch.objects.only("id", "batch_number", "species_id", "start_date", "pinned_scenario_id").get(pk=batch_id)
    scenario = scenario_for_batch(batch)
    params = model_params(scenario, species_stages(batch.species_id))
    assignments = _assignments(batch_id, today)
    transfers = _completed_transfers(batch_id)
    return BatchData(
        batch=batch,
        params=params,
        initial_weight_g=float(scenario.initial_weight_g),
        assignments=assignments,
        transfers=transfers,
        anchors=_anchors(batch_id, transfers),
        scenario_end=scenario.start_date + dt.timedelta(days=scenario.duration_days - 1),
    )


def dense_data_load(data: BatchData, *, starts: dict[int, dt.date]) -> None:
    """Phase two: deaths, feed and temperatures of the assignments in ``starts`` from their start day on.
    Three queries."""
    if starts:
        ids = list(starts)
        since = min(starts.values())
        data.mortality = _daily_sums(MortalityEvent, "event_date", "count", ids, since, int)
        data.feed_kg = _daily_sums(FeedingEvent, "feeding_date", "amount_kg", ids, since, float)
        data.temps_c = _daily_temperatures(data, starts)


def _assignments(batch_id: int, today: dt.date) -> list[AssignmentRecord]:
    rows = rows_for_id(_assignments_queryset, batch_id)
    return [
        AssignmentRecord(
            id=pk,
            container_id=container_id,
            stage_id=stage_id,
            first_day=start,
            last_day=min(departure - ONE_DAY, today) if departure else today,
            placement_count=count,
            placement_weight_g=float(weight) if weight is not None else None,
            departure_date=departure,
            site_id=site_id,
            freshwater=site_kind == Site.Kind.FRESHWATER,
        )
        for pk, container_id, stage_id, start, departure, count, weight, site_id, site_kind in rows
    ]


def _assignments_queryset(batch_id: int) -> QuerySet:
    return (
        BatchContainerAssignment.objects.filter(batch_id=batch_id)
        .order_by("assignment_date", "id")
        .values_list(
            "id",
            "container_id",
            "lifecycle_stage_id",
            "assignment_date",
            "departure_date",
            "placement_count",
            "placement_avg_weight_g",
            "container__site_id",
            "container__site__kind",
        )
    )


def _completed_transfers(batch_id: int) -> list[TransferRecord]:
    rows = rows_for_id(_completed_transfers_queryset, batch_id)
    return [
        TransferRecord(
            id=pk,
            source_id=source,
            dest_id=dest,
            date=day,
            transferred_count=count,
            mortality=mortality,
            measured_weight_g=float(weight) if weight is not None else None,
            selection_method=method,
        )
        for pk, source, dest, day, count, mortality, weight, method in rows
    ]


def _completed_transfers_queryset(batch_id: int) -> QuerySet:
    return (
        TransferAction.objects.filter(
            source_assignment__batch_id=batch_id,
            status=TransferAction.Status.COMPLETED,
            actual_execution_date__isnull=False,
        )
        .order_by("actual_execution_date", "id")
        .values_list(
            "id",
            "source_assignment_id",
            "dest_assignment_id",
            "actual_execution_date",
            "transferred_count",
            "mortality_during_transfer",
            "measured_avg_weight_g",
            "selection_method",
        )
    )


def _anchors(batch_id: int, transfers: list[TransferRecord]) -> dict[int, dict[dt.date, Anchor]]:
    """Measured weights per assignment and day, the highest-priority kind winning (docs/engine.md §3)."""
    weighted: dict[tuple[int, dt.date, str], list[float]] = defaultdict(lambda: [0.0, 0.0])

    for assignment_id, day, size, weight in rows_for_id(_samples_queryset, batch_id):
        _add(weighted, (assignment_id, day, ANCHOR_GROWTH_SAMPLE), float(weight), size)

    for transfer in transfers:
        if transfer.measured_weight_g is not None:
            corrected = transfer_anchor_weight(transfer.measured_weight_g, transfer.selection_method)
            _add(weighted, (transfer.source_id, transfer.date, ANCHOR_TRANSFER), corrected, transfer.transferred_count)

    for assignment_id, day, count, weight in rows_for_id(_weighings_queryset, batch_id):
        _add(weighted, (assignment_id, day, ANCHOR_VACCINATION), float(weight), count)

    anchors: dict[int, dict[dt.date, Anchor]] = defaultdict(dict)
    priority = {ANCHOR_GROWTH_SAMPLE: 0, ANCHOR_TRANSFER: 1, ANCHOR_VACCINATION: 2}
    for (assignment_id, day, kind), (weight_sum, n) in sorted(weighted.items(), key=lambda kv: -priority[kv[0][2]]):
        anchors[assignment_id][day] = Anchor(weight_g=weight_sum / n, kind=kind, confidence=ANCHOR_CONFIDENCE[kind])
    return anchors


def _samples_queryset(batch_id: int) -> QuerySet:
    return GrowthSample.objects.filter(assignment__batch_id=batch_id).values_list(
        "assignment_id", "sample_date", "sample_size", "avg_weight_g"
    )


def _weighings_queryset(batch_id: int) -> QuerySet:
    return Treatment.objects.filter(assignment__batch_id=batch_id, includes_weighing=True).values_list(
        "assignment_id", "treatment_date", "weighed_count", "weighed_avg_weight_g"
    )


def _add(weighted, key, weight_g: float, n: int) -> None:
    acc = weighted[key]
    acc[0] += weight_g * n
    acc[1] += n


def _daily_sums(model, date_field: str, value_field: str, ids: list[int], since: dt.date, cast) -> dict:
    def build() -> QuerySet:
        return (
            model.objects.filter(assignment_id__in=ids, **{f"{date_field}__gte": since})
            .values_list("assignment_id", date_field)
            .annotate(total=Sum(value_field))
            .order_by()
        )

    key = ("daily sums", model._meta.label, date_field, value_field, len(ids))
    rows = reused_rows(key, build, [*ids, since], using=model.objects.db)
    result: dict[int, dict[dt.date, object]] = defaultdict(dict)
    for assignment_id, day, total in rows:
        result[assignment_id][day] = cast(total)
    return result


def _daily_temperatures(data: BatchData, starts: dict[int, dt.date]) -> dict[int, dict[dt.date, float]]:
    """Daily mean temperatures per container, read only within 7 days of the days each assignment in it
    computes (the engine reads no further, docs/engine.md §2): a container hosts other batches before and after,
    so the batch's whole date span would read about three times the readings in a backfill."""
    by_id = {a.id: a for a in data.assignments}
    spans: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for assignment_id, start in starts.items():
        assignment = by_id[assignment_id]
        if start <= assignment.last_day:
            spans[assignment.container_id].append((start - TEMPERATURE_REACH, assignment.last_day + TEMPERATURE_REACH))
    if not spans:
        return {}
    windows = [
        (container_id, _day_start(since), _day_start(until + ONE_DAY))
        for container_id, container_spans in sorted(spans.items())
        for since, until in _merged(container_spans)
    ]
    temps: dict[int, dict[dt.date, float]] = defaultdict(dict)
    for container_id, day, mean in _temperature_rows(windows):
        temps[container_id][day] = float(mean)
    return temps


def _temperature_queryset(windows: list[tuple[int, dt.datetime, dt.datetime]]) -> QuerySet:
    """The daily mean temperature of each container in ``windows`` (container, from, until: readings at or
    after from and before until), by container and local day."""
    condition = Q()
    for container_id, since, until in windows:
        condition |= Q(container_id=container_id, reading_time__gte=since, reading_time__lt=until)
    return (
        EnvironmentalReading.objects.filter(condition, parameter__code__iexact="temperature")
        .annotate(day=TruncDate("reading_time"))
        .values_list("container_id", "day")
        .annotate(mean=Avg("value"))
        .order_by()
    )


def _temperature_reuse(windows: list[tuple[int, dt.datetime, dt.datetime]]) -> tuple[tuple, list]:
    """The key and values under which ``_temperature_queryset(windows)``'s SQL is reused (``reused_query``)."""
    key = ("temperature", len(windows), timezone.get_current_timezone_name())
    return key, [value for window in windows for value in window]


def temperature_query(windows: list[tuple[int, dt.datetime, dt.datetime]]) -> tuple[str, list]:
    """``_temperature_queryset(windows)``'s SQL and parameters (``reused_query``)."""
    key, values = _temperature_reuse(windows)
    return reused_query(key, lambda: _temperature_queryset(windows), values)


def _temperature_rows(windows: list[tuple[int, dt.datetime, dt.datetime]]) -> list[tuple]:
    """(container, day, mean) rows of ``_temperature_queryset(windows)`` (``reused_rows``)."""
    key, values = _temperature_reuse(windows)
    return reused_rows(key, lambda: _temperature_queryset(windows), values, using=EnvironmentalReading.objects.db)


def _merged(spans: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Inclusive date spans with overlapping or adjacent ones joined, in order."""
    merged: list[tuple[dt.date, dt.date]] = []
    for since, until in sorted(spans):
        if merged and since <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], until))
        else:
            merged.append((since, until))
    return merged


def stored_rows_load(keys: set[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], StoredRow]:
    """The stored rows named by (assignment id, date), in one query."""
    if not keys:
        return {}
    condition = Q()
    for assignment_id, day in keys:
        condition |= Q(assignment_id=assignment_id, date=day)
    rows = ActualDailyAssignmentState.objects.filter(condition).values_list(
        "assignment_id", "date", "avg_weight_g", "population", "biomass_kg", "lifecycle_stage_id"
    )
    return {
        (assignment_id, day): StoredRow(
            avg_weight_g=_as_float(weight), population=population, biomass_kg=_as_float(biomass), stage_id=stage
        )
        for assignment_id, day, weight, population, biomass, stage in rows
    }


def _as_float(value: Decimal | float) -> float:
    return float(value)


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the farm's time zone (days are local calendar days)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
