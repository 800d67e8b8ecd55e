"""Each assignment's handling days for the learned growth model (docs/forecast.md "The learned growth model"):
the past ones from the batch's records, and the planned ones inside the horizon (open planned transfers,
vaccinations, treatments and gradings), which bend the projection the way past handling did."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection

from apps.batch.models import BatchContainerAssignment
from apps.forecast.history import handling_dates, treatments_by_assignment
from apps.health.models import Treatment
from apps.planning.models import PlannedActivity
from aquamind.db import fetch_sets

PLANNED_HANDLING = (
    PlannedActivity.Type.TRANSFER, PlannedActivity.Type.VACCINATION, PlannedActivity.Type.TREATMENT,
    PlannedActivity.Type.GRADING,
)
_TREATMENTS_SQL = f"""
    SELECT t.assignment_id, t.treatment_date FROM {Treatment._meta.db_table} t
    JOIN {BatchContainerAssignment._meta.db_table} a ON a.id = t.assignment_id WHERE a.batch_id = %(batch)s"""
_PLANNED_SQL = f"""
    SELECT assignment_id, due_date FROM {PlannedActivity._meta.db_table}
    WHERE batch_id = %(batch)s AND status = ANY(%(open)s) AND activity_type = ANY(%(types)s)
        AND assignment_id IS NOT NULL AND due_date > %(as_of)s"""


def planned_handling(data, as_of: dt.date) -> dict[int, list[dt.date]]:
    """The batch's handling days by assignment, past (up to ``as_of``) and planned (after it): one round trip
    on PostgreSQL (two queries elsewhere)."""
    batch_id = data.batch.pk
    if connection.vendor == "postgresql":
        params = {"batch": batch_id, "open": list(PlannedActivity.OPEN_STATUSES), "types": list(PLANNED_HANDLING), "as_of": as_of}
        with connection.cursor() as cursor:
            treated, planned = fetch_sets(cursor, [_TREATMENTS_SQL, _PLANNED_SQL], params)
        treatments: dict[int, list[dt.date]] = defaultdict(list)
        for assignment_id, day in treated:
            treatments[assignment_id].append(day)
    else:
        treatments = treatments_by_assignment([batch_id])
        planned = PlannedActivity.objects.filter(
            batch_id=batch_id, status__in=PlannedActivity.OPEN_STATUSES, activity_type__in=PLANNED_HANDLING,
            assignment_id__isnull=False, due_date__gt=as_of,
        ).values_list("assignment_id", "due_date")
    out = defaultdict(list, handling_dates(data, as_of, treatments))
    for assignment_id, due in planned:
        out[assignment_id].append(due)
    return {a: sorted(days) for a, days in out.items()}
