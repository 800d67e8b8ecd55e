"""Each assignment's handling days for the learned growth model (docs/forecast.md "The learned growth model"):
the past ones from the batch's records, and the planned ones inside the horizon (the open planned transfers,
vaccinations, treatments and gradings the recompute hands over: ``apps.planning.selectors.planned_handling_rows``),
which bend the projection the way past handling did."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from apps.forecast.history import handling_dates, treatments_by_assignment


def planned_handling(
    data, as_of: dt.date, planned: Mapping[int, list[dt.date]], treatments: Mapping[int, list[dt.date]] | None = None
) -> dict[int, list[dt.date]]:
    """The batch's handling days by assignment: past (up to ``as_of``, from its records and its ``treatments``
    by assignment, read here in one query when not given) and planned (``planned``'s due dates after ``as_of``)."""
    if treatments is None:
        treatments = treatments_by_assignment([data.batch.pk])
    out = defaultdict(list, handling_dates(data, as_of, treatments))
    for assignment_id, days in planned.items():
        out[assignment_id].extend(d for d in days if d > as_of)
    return {a: sorted(days) for a, days in out.items()}
