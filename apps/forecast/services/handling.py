"""Each assignment's handling days for the learned growth model (docs/forecast.md "The learned growth model"):
the past ones from the batch's records, and the planned ones inside the horizon (open planned transfers,
vaccinations, treatments and gradings), which bend the projection the way past handling did."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from apps.forecast.history import handling_dates, treatments_by_assignment
from apps.planning.models import PlannedActivity

PLANNED_HANDLING = (
    PlannedActivity.Type.TRANSFER, PlannedActivity.Type.VACCINATION, PlannedActivity.Type.TREATMENT,
    PlannedActivity.Type.GRADING,
)


def planned_handling(data, as_of: dt.date) -> dict[int, list[dt.date]]:
    """The batch's handling days by assignment, past (up to ``as_of``) and planned (after it): two queries."""
    out = defaultdict(list, handling_dates(data, as_of, treatments_by_assignment([data.batch.pk])))
    planned = PlannedActivity.objects.filter(
        batch_id=data.batch.pk, status__in=PlannedActivity.OPEN_STATUSES, activity_type__in=PLANNED_HANDLING,
        assignment_id__isnull=False, due_date__gt=as_of,
    ).values_list("assignment_id", "due_date")
    for assignment_id, due in planned:
        out[assignment_id].append(due)
    return {a: sorted(days) for a, days in out.items()}
