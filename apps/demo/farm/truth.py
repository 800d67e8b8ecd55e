"""The simulated truth as CSV, so the engine's accuracy can be measured against it (no Django).

One row per assignment-day the engine computes (``assignment_date .. min(departure_date - 1, today)``):
``assignment_id,date,true_avg_weight_g,true_population``, both at the END of the day (after that day's
growth, deaths and transfers). Weights in grams, 4 decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from .types import FarmRecords

HEADER = ("assignment_id", "date", "true_avg_weight_g", "true_population")


def truth_csv_write(path: Path, records: FarmRecords, assignment_ids: list[int]) -> int:
    """Write the truth of every slot under its database id, ordered by id and date; return the row count."""
    rows = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for assignment_id, truth in sorted(zip(assignment_ids, records.truth), key=lambda pair: pair[0]):
            for offset, (weight_g, population) in enumerate(zip(truth.weights_g, truth.populations)):
                day = truth.start + dt.timedelta(days=offset)
                writer.writerow((assignment_id, day.isoformat(), f"{weight_g:.4f}", population))
                rows += 1
    return rows
