"""What the record pages list: the containers of a site holding fish on a day (docs/web.md, "Recording at the
pen"). One query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from apps.batch.models import BatchContainerAssignment


@dataclass(frozen=True)
class Pen:
    """A container holding fish on the day: the assignment its records go to."""

    assignment_id: int
    container_id: int
    container: str
    batch_number: str
    stage: str


def site_pens(*, site_id: int, day: dt.date) -> list[Pen]:
    """The site's containers with fish on ``day`` (an assignment that started by then and had not departed),
    in container name order."""
    rows = (
        BatchContainerAssignment.objects.filter(container__site_id=site_id, assignment_date__lte=day)
        .filter(Q(departure_date__isnull=True) | Q(departure_date__gt=day))
        .order_by("container__name", "container_id", "assignment_date")
        .values_list("pk", "container_id", "container__name", "batch__batch_number", "lifecycle_stage__name")
    )
    return [Pen(*row) for row in rows]
