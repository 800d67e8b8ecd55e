"""What a change reaches: for every model whose fields the recompute reads, the (assignment, from-day) marks
that a row's old and new values need (docs/architecture.md, "What a change reaches").

Every row counts twice. ``reach_marks(label, old, new, pk)`` takes the row's tracked values before the change
(``None`` for a create) and after it (``None`` for a delete) and returns the marks of both sides: a row that
moves to another day, container, parameter, status, assignment, batch or scenario marks what its old values
reached *and* what its new ones reach. Signal handlers, the bulk services, the admin and the API all go through
this module; writes that bypass it (``QuerySet.update``, raw SQL) are found and healed by the verifier.

A rule lists the fields it reads (``Rule.fields``). ``tests/recompute/test_reach_coverage.py`` records the columns
a full recompute really reads and fails when one of them is covered by no rule and not listed in ``IGNORED``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Min, Q
from django.utils import timezone

from apps.batch.engine.temperature import MAX_GAP_DAYS
from aquamind.domain import TEMPERATURE_CODE

Mark = tuple[int, dt.date]
Values = Mapping[str, Any]
ONE_DAY = dt.timedelta(days=1)
TEMPERATURE_REACH_DAYS = MAX_GAP_DAYS  # interpolation looks this far either side (docs/engine.md §2)


@dataclass(frozen=True)
class Rule:
    """``reach(old, new, pk)``: the marks a change of one ``model`` row needs; ``fields`` are the attnames it
    reads (snapshotted on load, no query) and the only ones whose change can matter."""

    model: str
    fields: tuple[str, ...]
    reach: Callable[[Values | None, Values | None, Any], list[Mark]]


def days_before(day: dt.date, days: int) -> dt.date:
    """``day - days``, held at the calendar's first day instead of overflowing."""
    return day - dt.timedelta(days=days) if day.toordinal() > days else dt.date.min


def local_day(moment: dt.datetime) -> dt.date:
    """The farm's calendar day of ``moment``; a moment at the very edge of the calendar keeps its own date."""
    try:
        return timezone.localdate(moment)
    except (OverflowError, ValueError):
        return moment.date()


def each_side(one: Callable[[Values, Any], list[Mark]]):
    """A rule whose reach is the union of what the old values reach and what the new values reach."""

    def reach(old: Values | None, new: Values | None, pk) -> list[Mark]:
        return [*(one(old, pk) if old is not None else []), *(one(new, pk) if new is not None else [])]

    return reach


# --- events on one assignment on one day ---------------------------------------------------------------


def _event(date_field: str, relevant: Callable[[Values], bool] | None = None):
    def one(values: Values, pk) -> list[Mark]:
        if values["assignment_id"] is None or values[date_field] is None:
            return []
        if relevant is not None and not relevant(values):
            return []
        return [(values["assignment_id"], values[date_field])]

    return each_side(one)


def _transfer_one(values: Values, pk) -> list[Mark]:
    """A completed transfer changes both ends from its date; the destination's *first* completed transfer in
    also decides its starting population and weight, so it reaches the destination from its first day."""
    from apps.batch.models import BatchContainerAssignment, TransferAction

    day, source, dest = values["actual_execution_date"], values["source_assignment_id"], values["dest_assignment_id"]
    if values["status"] != TransferAction.Status.COMPLETED or day is None or source is None or dest is None:
        return []
    earlier = TransferAction.objects.filter(
        dest_assignment_id=dest, status=TransferAction.Status.COMPLETED, actual_execution_date__isnull=False
    ).filter(Q(actual_execution_date__lt=day) | Q(actual_execution_date=day, pk__lt=pk or 0))
    if pk is not None:
        earlier = earlier.exclude(pk=pk)
    first_day = (
        BatchContainerAssignment.objects.filter(pk=dest)
        .annotate(has_earlier=Exists(earlier))
        .filter(has_earlier=False)
        .values_list("assignment_date", flat=True)
        .first()
    )
    marks = [(source, day), (dest, day)]
    if first_day is not None:
        marks.append((dest, min(first_day, day)))
    return marks


def _assignment(old: Values | None, new: Values | None, pk) -> list[Mark]:
    """New: from its first day. Start, placement, stage, container or batch changed: from the earlier start
    (and the old batch's assignments, whose transfers may have read it). Only the departure moved: from the
    day before the earlier departure. Deleted: nothing (its rows go with it; its transfers mark their ends)."""
    if new is None:
        return []
    if old is None:
        return [(pk, new["assignment_date"])]
    if old == new:
        return []
    moved = [f for f in ASSIGNMENT_FIELDS if old[f] != new[f]]
    if moved == ["departure_date"]:
        departures = [d for d in (old["departure_date"], new["departure_date"]) if d is not None]
        return [(pk, max(min(departures) - ONE_DAY, new["assignment_date"]))]
    start = min(old["assignment_date"], new["assignment_date"])
    marks = [(pk, start)]
    if old["batch_id"] != new["batch_id"]:
        marks += assignments_of_batches([old["batch_id"]])
    return marks


ASSIGNMENT_FIELDS = (
    "batch_id",
    "container_id",
    "lifecycle_stage_id",
    "assignment_date",
    "departure_date",
    "placement_count",
    "placement_avg_weight_g",
)


# --- whole batches: their own settings, their species' stages, their scenarios -------------------------------


def assignments_of_batches(batch_ids: Iterable[int]) -> list[Mark]:
    """Every assignment of these batches, from its first day."""
    from apps.batch.models import BatchContainerAssignment

    ids = {b for b in batch_ids if b is not None}
    if not ids:
        return []
    return list(BatchContainerAssignment.objects.filter(batch_id__in=ids).values_list("pk", "assignment_date"))


def _batch(old: Values | None, new: Values | None, pk) -> list[Mark]:
    """Its species (stages), start date (day numbers) or pinned scenario changed: every day of the batch."""
    if old is None or new is None or old == new:
        return []
    return assignments_of_batches([pk])


def _stage_one(values: Values, pk) -> list[Mark]:
    """A stage's band or order decides stage advances of every batch of its species."""
    from apps.batch.models import Batch

    return assignments_of_batches(Batch.objects.filter(species_id=values["species_id"]).values_list("pk", flat=True))


def _scenario_batches(scenarios) -> list[Mark]:
    from apps.batch.services.scenario_params import batches_using_scenarios

    return assignments_of_batches(batches_using_scenarios(scenarios))


def _scenario_one(values: Values, pk) -> list[Mark]:
    """The batch it belongs to (it may be that batch's newest) and every batch that pins it."""
    from apps.scenario.models import Scenario

    own = assignments_of_batches([values["batch_id"]])
    return own + (_scenario_batches(Scenario.objects.filter(pk=pk)) if pk is not None else [])


def _via(filter_for: Callable[[Values, Any], Q]):
    """A scenario model: every batch using a scenario that ``filter_for(values)`` selects."""

    def one(values: Values, pk) -> list[Mark]:
        from apps.scenario.models import Scenario

        return _scenario_batches(Scenario.objects.filter(filter_for(values, pk)))

    return each_side(one)


# --- environment ---------------------------------------------------------------------------------------------


def is_temperature_parameter(parameter_id: int | None) -> bool:
    from apps.environmental.models import EnvironmentalParameter

    return (
        parameter_id is not None
        and EnvironmentalParameter.objects.filter(pk=parameter_id, code__iexact=TEMPERATURE_CODE).exists()
    )


def temperature_marks(container_days: Iterable[tuple[int, dt.date]]) -> list[Mark]:
    """(assignment, from day) for every assignment of each container with a day within ±7 days of a reading's
    day there: interpolation reaches that far (docs/engine.md §2)."""
    from apps.batch.models import BatchContainerAssignment

    by_container: dict[int, tuple[dt.date, dt.date]] = {}
    for container_id, day in container_days:
        low, high = by_container.get(container_id, (day, day))
        by_container[container_id] = (min(low, day), max(high, day))
    if not by_container:
        return []
    condition = Q()
    for container_id, (low, high) in by_container.items():
        first = days_before(low, TEMPERATURE_REACH_DAYS)
        last = high + dt.timedelta(days=TEMPERATURE_REACH_DAYS) if high < dt.date.max - dt.timedelta(days=7) else high
        condition |= Q(container_id=container_id, assignment_date__lte=last) & (
            Q(departure_date__isnull=True) | Q(departure_date__gt=first)
        )
    rows = BatchContainerAssignment.objects.filter(condition).values_list("pk", "container_id")
    return [(pk, days_before(by_container[container][0], TEMPERATURE_REACH_DAYS)) for pk, container in rows]


def _reading_one(values: Values, pk) -> list[Mark]:
    if values["reading_time"] is None or not is_temperature_parameter(values["parameter_id"]):
        return []
    return temperature_marks([(values["container_id"], local_day(values["reading_time"]))])


def _parameter(old: Values | None, new: Values | None, pk) -> list[Mark]:
    """A parameter whose code turns into, or out of, ``temperature`` changes what its readings mean."""
    from apps.environmental.models import EnvironmentalReading

    def counts(values: Values | None) -> bool:
        return values is not None and (values["code"] or "").lower() == TEMPERATURE_CODE

    if pk is None or counts(old) == counts(new):
        return []
    spans = (
        EnvironmentalReading.objects.filter(parameter_id=pk)
        .values_list("container_id")
        .annotate(first=Min("reading_time"))
        .order_by()
    )
    return temperature_marks((container, local_day(first)) for container, first in spans)


# --- where the fish are: the water decides which stages they can reach (docs/engine.md §4) ------------------


def _container_one(values: Values, pk) -> list[Mark]:
    """A container moved to another site may change its water: every assignment it held, from its first day."""
    from apps.batch.models import BatchContainerAssignment

    if pk is None:
        return []
    return list(BatchContainerAssignment.objects.filter(container_id=pk).values_list("pk", "assignment_date"))


def _site_one(values: Values, pk) -> list[Mark]:
    """A site's kind is its containers' water: every assignment in one of them, from its first day."""
    from apps.batch.models import BatchContainerAssignment

    if pk is None:
        return []
    return list(BatchContainerAssignment.objects.filter(container__site_id=pk).values_list("pk", "assignment_date"))


# --- the rules -------------------------------------------------------------------------------------------------


def _all_fields(label: str) -> tuple[str, ...]:
    """Every field of a scenario model: any change to it can change the batches using it."""
    from django.apps import apps

    return tuple(f.attname for f in apps.get_model(label)._meta.concrete_fields if not f.primary_key)


def _rules() -> dict[str, Rule]:
    def rule(model: str, fields: tuple[str, ...], reach) -> tuple[str, Rule]:
        return model, Rule(model=model, fields=fields, reach=reach)

    return dict(
        [
            rule("batch.Batch", ("species_id", "start_date", "pinned_scenario_id"), _batch),
            rule("batch.BatchContainerAssignment", ASSIGNMENT_FIELDS, _assignment),
            rule(
                "batch.LifeCycleStage",
                ("species_id", "order", "expected_weight_min_g", "expected_weight_max_g", "at_sea"),
                each_side(_stage_one),
            ),
            rule(
                "batch.GrowthSample",
                ("assignment_id", "sample_date", "sample_size", "avg_weight_g"),
                _event("sample_date"),
            ),
            rule("batch.MortalityEvent", ("assignment_id", "event_date", "count"), _event("event_date")),
            rule(
                "batch.TransferAction",
                (
                    "source_assignment_id",
                    "dest_assignment_id",
                    "status",
                    "actual_execution_date",
                    "transferred_count",
                    "mortality_during_transfer",
                    "measured_avg_weight_g",
                    "selection_method",
                ),
                each_side(_transfer_one),
            ),
            rule("inventory.FeedingEvent", ("assignment_id", "feeding_date", "amount_kg"), _event("feeding_date")),
            rule(
                "health.Treatment",
                ("assignment_id", "treatment_date", "includes_weighing", "weighed_count", "weighed_avg_weight_g"),
                _event("treatment_date", relevant=lambda v: bool(v["includes_weighing"])),
            ),
            rule(
                "environmental.EnvironmentalReading",
                ("container_id", "parameter_id", "reading_time", "value"),
                each_side(_reading_one),
            ),
            rule("environmental.EnvironmentalParameter", ("code",), _parameter),
            rule("infrastructure.Container", ("site_id",), each_side(_container_one)),
            rule("infrastructure.Site", ("kind",), each_side(_site_one)),
            rule("scenario.Scenario", _all_fields("scenario.Scenario"), each_side(_scenario_one)),
            rule(
                "scenario.TGCModel",
                _all_fields("scenario.TGCModel"),
                _via(lambda v, pk: Q(tgc_model_id=pk)),
            ),
            rule(
                "scenario.TGCStageOverride",
                _all_fields("scenario.TGCStageOverride"),
                _via(lambda v, pk: Q(tgc_model_id=v["model_id"])),
            ),
            rule(
                "scenario.TemperatureProfileDay",
                _all_fields("scenario.TemperatureProfileDay"),
                _via(lambda v, pk: Q(tgc_model__profile_id=v["profile_id"])),
            ),
            rule(
                "scenario.MortalityModel",
                _all_fields("scenario.MortalityModel"),
                _via(lambda v, pk: Q(mortality_model_id=pk)),
            ),
            rule(
                "scenario.MortalityStageOverride",
                _all_fields("scenario.MortalityStageOverride"),
                _via(lambda v, pk: Q(mortality_model_id=v["model_id"])),
            ),
            rule(
                "scenario.FCRModelStage",
                _all_fields("scenario.FCRModelStage"),
                _via(lambda v, pk: Q(fcr_model_id=v["model_id"])),
            ),
        ]
    )


_RULES: dict[str, Rule] | None = None

# Columns a recompute reads that no change can make matter, with the reason (the coverage test reads this).
IGNORED = {
    "batch.Batch.batch_number": "only named in error messages",
}


def rules() -> dict[str, Rule]:
    """The rule of every model the recompute reads, by ``app_label.ModelName`` (built once, after app loading)."""
    global _RULES
    if _RULES is None:
        _RULES = _rules()
    return _RULES


def snapshot(instance, rule: Rule) -> dict[str, Any]:
    """The rule's fields as loaded on ``instance``; never a query (a deferred field reads as ``None``)."""
    return {f: instance.__dict__.get(f) for f in rule.fields}


def reach_marks(label: str, *, old: Values | None, new: Values | None, pk=None) -> list[Mark]:
    """The marks a change of one ``label`` row needs: what its old values reached and what its new ones reach.
    An update that changes none of the rule's fields reaches nothing."""
    rule = rules()[label]
    if old is not None and new is not None and dict(old) == dict(new):
        return []
    return rule.reach(old, new, pk)


def reach_of_rows(label: str, rows: Iterable[Values]) -> list[Mark]:
    """Bulk services: the marks of many new (or many deleted) rows of one model, in one list."""
    marks: list[Mark] = []
    for values in rows:
        marks += reach_marks(label, old=None, new=values, pk=values.get("id"))
    return marks
