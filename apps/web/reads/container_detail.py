"""One container's page: what it holds now (with the overview's figures and its recent daily states) and every
assignment it has held. Answered from the stored states, like the overview."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from apps.batch.labels import assignment_label
from apps.batch.models import ActualDailyAssignmentState, BatchContainerAssignment, RecomputeMarker
from apps.infrastructure.models import Container
from apps.web.reads.overview import Figures, assignment_figures, recompute_word

RECENT_DAYS = 7


@dataclass
class Held:
    """One assignment of the container, with its figures (for a past one: those of its last day)."""

    assignment: BatchContainerAssignment
    label: str
    figures: Figures
    days_since_sample: int | None
    recompute: str


@dataclass
class ContainerDetail:
    container: Container
    today: dt.date
    current: list[Held]  # the assignments without a departure date (usually one)
    history: list[Held]  # every assignment, the latest first
    recent_states: list[ActualDailyAssignmentState]  # the first current assignment's last days, the latest first


def container_detail(*, container: Container, today: dt.date) -> ContainerDetail:
    """Six queries whatever the container's history: its assignments, their figures (three), the pending
    markers of their batches, and the current assignment's last ``RECENT_DAYS`` states."""
    assignments = list(
        BatchContainerAssignment.objects.filter(container=container)
        .select_related("container__site", "batch", "lifecycle_stage")
        .order_by("-assignment_date", "-id")
    )
    figures = assignment_figures(assignments, today=today)
    pending = dict(
        RecomputeMarker.objects.filter(batch_id__in={a.batch_id for a in assignments})
        .values("batch_id").order_by().annotate(n=Count("id")).values_list("batch_id", "n")
    )  # fmt: skip
    history = [
        Held(
            assignment=a, label=assignment_label(container.name, container.site.name, a.assignment_date, a.departure_date),
            figures=figures[a.pk], days_since_sample=figures[a.pk].days_since_sample(today),
            recompute=recompute_word(a.batch, pending.get(a.batch_id, 0)),
        )
        for a in assignments
    ]  # fmt: skip
    current = [h for h in history if h.assignment.departure_date is None]
    recent = (
        list(
            ActualDailyAssignmentState.objects.filter(assignment=current[0].assignment, date__lte=today).order_by(
                "-date"
            )[:RECENT_DAYS]
        )
        if current
        else []
    )
    return ContainerDetail(container=container, today=today, current=current, history=history, recent_states=recent)
