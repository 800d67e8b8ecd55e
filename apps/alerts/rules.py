"""The rules: what each kind of alert finds now (docs/alerts.md). Each returns ``Finding``s; ``apps.alerts.services``
raises the new ones and clears the ones no longer found, within the rule's ``Reach`` (what it looked at).

- mortality spike: a container's recorded deaths on a day of the last ``ALERT_MORTALITY_DAYS`` days reach
  ``ALERT_MORTALITY_MIN_COUNT`` and either ``ALERT_MORTALITY_PER_MILLE`` of the fish alive that morning, or
  ``ALERT_MORTALITY_FACTOR`` times its mean over the ``ALERT_MORTALITY_BASELINE_DAYS`` days before (at least
  7 of them stored). Only days whose mortality is recorded (source ``actual``) count: the model's estimate
  of an unrecorded day is never a spike.
- parked work: a batch has recompute markers parked after repeated failures.
- overdue activity: a planned activity still open after its due date.
- needs planning: a projected harvest or sea transfer inside the planning window with no planned activity.
- verification repaired: a nightly verification repaired rows (raised by the run itself, never cleared).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F

from apps.alerts.models import AlertKind
from apps.batch.models import ActualDailyAssignmentState, Batch, RecomputeMarker, VerificationRun
from apps.forecast.engine.summary import NEEDS_PLANNING
from apps.infrastructure.models import Container
from apps.planning.models import PlannedActivity
from apps.planning.selectors import overdue_q
from apps.planning.summary import farm_crossings, forecast_summary_for_batch

MIN_BASELINE_DAYS = 7


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    title: str
    site_id: int | None = None
    batch_id: int | None = None
    container_id: int | None = None
    day: dt.date | None = None
    details: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Reach:
    """What a rule looked at: the open alerts of ``kind`` inside it that it did not find again are cleared.
    ``batch_id`` None: the whole farm; ``since``: only alerts about days on or after it."""

    kind: str
    batch_id: int | None = None
    since: dt.date | None = None
    clears: bool = True  # False: the alerts are facts about one moment (a verification), cleared by no rule


def mortality_spikes(*, today: dt.date, batch_id: int | None = None) -> tuple[Reach, list[Finding]]:
    days = settings.ALERT_MORTALITY_DAYS
    since = today - dt.timedelta(days=days - 1)
    start = since - dt.timedelta(days=settings.ALERT_MORTALITY_BASELINE_DAYS)
    states = ActualDailyAssignmentState.objects.filter(date__gte=start, date__lte=today)
    if batch_id is not None:
        states = states.filter(batch_id=batch_id)
    by_assignment: dict[int, list[tuple]] = defaultdict(list)
    for row in states.order_by("assignment_id", "date").values_list(
        "assignment_id", "batch_id", "container_id", "date", "mortality_count", "population", "sources"
    ):
        by_assignment[row[0]].append(row)
    sites = _container_sites({row[2] for rows in by_assignment.values() for row in rows})
    findings = []
    for rows in by_assignment.values():
        for index, (assignment_id, batch, container_id, day, deaths, population, sources) in enumerate(rows):
            if day < since or (sources or {}).get("mortality") != "actual":
                continue
            baseline = [
                r[4] for r in rows[:index] if r[3] >= day - dt.timedelta(days=settings.ALERT_MORTALITY_BASELINE_DAYS)
            ]
            why = _spike(deaths, population + deaths, baseline)
            if why:
                name, site_id, site_name = sites.get(container_id, ("?", None, ""))
                findings.append(
                    Finding(
                        kind=AlertKind.MORTALITY_SPIKE,
                        key=f"{AlertKind.MORTALITY_SPIKE}:{assignment_id}:{day.isoformat()}",
                        title=f"{deaths:,} deaths in {name} ({site_name}) on {day:%-d %b %Y}: {why}",
                        site_id=site_id,
                        batch_id=batch,
                        container_id=container_id,
                        day=day,
                        details={
                            "assignment_id": assignment_id,
                            "deaths": deaths,
                            "morning_population": population + deaths,
                        },
                    )
                )
    return Reach(AlertKind.MORTALITY_SPIKE, batch_id=batch_id, since=since), findings


def _spike(deaths: int, alive_that_morning: int, baseline: list[int]) -> str:
    """Why ``deaths`` is a spike ("" when it is not)."""
    if deaths < settings.ALERT_MORTALITY_MIN_COUNT or alive_that_morning <= 0:
        return ""
    per_mille = deaths * 1000 / alive_that_morning
    if per_mille >= settings.ALERT_MORTALITY_PER_MILLE:
        return f"{per_mille:.1f} ‰ of the fish (threshold {settings.ALERT_MORTALITY_PER_MILLE:g} ‰)"
    if len(baseline) >= MIN_BASELINE_DAYS:
        mean = sum(baseline) / len(baseline)
        if mean > 0 and deaths >= settings.ALERT_MORTALITY_FACTOR * mean:
            return f"{deaths / mean:.1f} times the mean of the {len(baseline)} days before ({mean:.1f} a day)"
    return ""


def _container_sites(container_ids: set[int]) -> dict[int, tuple[str, int, str]]:
    return {
        pk: (name, site_id, site_name)
        for pk, name, site_id, site_name in Container.objects.filter(pk__in=container_ids).values_list(
            "pk", "name", "site_id", "site__name"
        )
    }


def parked_work(*, batch_id: int | None = None) -> tuple[Reach, list[Finding]]:
    parked = RecomputeMarker.objects.filter(parked_at__isnull=False)
    if batch_id is not None:
        parked = parked.filter(batch_id=batch_id)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for batch, number in parked.values_list("batch_id", "batch__batch_number"):
        counts[(batch, number)] += 1
    findings = [
        Finding(
            kind=AlertKind.PARKED_WORK,
            key=f"{AlertKind.PARKED_WORK}:{batch}",
            title=f"Recompute of batch {number} parked after repeated failures ({n} assignment{'s' if n > 1 else ''})",
            batch_id=batch,
            details={"markers": n},
        )
        for (batch, number), n in sorted(counts.items())
    ]
    return Reach(AlertKind.PARKED_WORK, batch_id=batch_id), findings


def overdue_activities(*, today: dt.date, batch_id: int | None = None) -> tuple[Reach, list[Finding]]:
    overdue = PlannedActivity.objects.filter(overdue_q(today))
    if batch_id is not None:
        overdue = overdue.filter(batch_id=batch_id)
    rows = overdue.values_list(
        "pk", "activity_type", "due_date", "batch_id", "batch__batch_number", "container_id", "container__site_id",
        "container__name", "assignment__container__site_id", "assignment__container__name",
    )  # fmt: skip
    findings = []
    for pk, kind, due, batch, number, container, site, name, a_site, a_name in rows:
        place = name or a_name
        findings.append(
            Finding(
                kind=AlertKind.OVERDUE_ACTIVITY,
                key=f"{AlertKind.OVERDUE_ACTIVITY}:{pk}",
                title=f"{PlannedActivity.Type(kind).label} of batch {number}{f' in {place}' if place else ''} was due {due:%-d %b %Y}",
                site_id=site or a_site,
                batch_id=batch,
                container_id=container,
                day=due,
                details={"activity_id": pk},
            )
        )
    return Reach(AlertKind.OVERDUE_ACTIVITY, batch_id=batch_id), findings


CROSSING_WORDS = {"harvest": "Harvest", "sea_transfer": "Sea transfer"}
PLACE = {
    "container_id": F("assignment__container_id"),
    "site_id": F("assignment__container__site_id"),
    "container_name": F("assignment__container__name"),
    "batch_number": F("batch__batch_number"),
}
PLACE_ANNOTATIONS = {f"place_{key}": expression for key, expression in PLACE.items()}


def crossings_needing_planning(*, today: dt.date, batch_id: int | None = None) -> tuple[Reach, list[Finding]]:
    """Farm-wide: the crossings of every projection before the window's end (two queries); one batch: its own."""
    before = today + dt.timedelta(days=settings.FORECAST_PLANNING_DAYS + 1)
    if batch_id is None:
        crossings = [
            (kind, body, {**row, **{key: row[f"place_{key}"] for key in PLACE}})
            for kind, body, row in farm_crossings(today=today, before=before, site_id=None, **PLACE_ANNOTATIONS)
        ]
    else:
        summary = forecast_summary_for_batch(batch_id=batch_id, today=today)
        number = Batch.objects.filter(pk=batch_id).values_list("batch_number", flat=True).first()
        crossings = [
            (kind, row[kind], {**row, "batch_id": batch_id, "batch_number": number})
            for row in summary["assignments"]
            for kind in CROSSING_WORDS
            if row.get(kind) is not None
        ]
    findings = [_needs_planning(kind, body, row) for kind, body, row in crossings if body["flag"] == NEEDS_PLANNING]
    return Reach(AlertKind.NEEDS_PLANNING, batch_id=batch_id), findings


def _needs_planning(kind: str, body: dict, row: dict) -> Finding:
    day = body.get("date")
    when = f"{day:%-d %b %Y}" if day else "an unknown day"
    return Finding(
        kind=AlertKind.NEEDS_PLANNING,
        key=f"{AlertKind.NEEDS_PLANNING}:{row['assignment_id']}:{kind}",
        title=f"{CROSSING_WORDS[kind]} of batch {row['batch_number']} in {row['container_name']} projected for "
        f"{when} and nothing planned",
        site_id=row["site_id"],
        batch_id=row["batch_id"],
        container_id=row["container_id"],
        day=day,
        details={"assignment_id": row["assignment_id"], "crossing": kind},
    )


def verification_repairs(run: VerificationRun) -> list[Finding]:
    """One alert for a verification that repaired rows, naming its batches."""
    if not run.rows_repaired:
        return []
    batches = sorted({d["batch_id"] for d in (run.details or {}).get("differences", [])})
    return [
        Finding(
            kind=AlertKind.VERIFICATION_REPAIRED,
            key=f"{AlertKind.VERIFICATION_REPAIRED}:{run.pk}",
            title=f"The verification of {run.started_at:%-d %b %Y} repaired {run.rows_repaired:,} daily states "
            f"in {run.batches_differing} batch{'es' if run.batches_differing != 1 else ''}: a write bypassed the records",
            details={"verification_id": run.pk, "batch_ids": batches},
        )
    ]
