"""The templates' due date on any rising projection: the first day the P50 reaches the weight, found here by
bisection of the sorted series, minus the lead days (no database)."""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.planning.models import ActivityTemplate
from apps.planning.services.templates import template_due_date

FIRST = dt.date(2025, 3, 1)
increments = st.lists(st.floats(min_value=0.0, max_value=50.0, allow_nan=False), min_size=1, max_size=400)


@given(
    start=st.floats(min_value=0.1, max_value=1000.0),
    steps=increments,
    threshold=st.integers(min_value=1, max_value=20_000),
    lead=st.integers(min_value=0, max_value=365),
)
def test_the_due_date_is_the_first_day_at_the_weight_minus_the_lead(start, steps, threshold, lead):
    p50, weight = [], start
    for step in steps:
        weight = round(weight + step, 1)
        p50.append(weight)
    template = ActivityTemplate(trigger="WEIGHT_THRESHOLD", weight_g=Decimal(threshold), lead_days=lead)
    projection = {
        "first_date": FIRST,
        "p50": p50,
        "stage_changes": [[0, 1]],
        "as_of_weight_g": Decimal(str(round(start, 2))),
        "as_of_stage_id": 1,
        "batch__species_id": 1,
    }
    due = template_due_date(template, projection)
    index = bisect.bisect_left(p50, threshold)
    if Decimal(str(round(start, 2))) >= threshold or index == len(p50):
        assert due is None  # passed already, or not within the projection
    else:
        assert due == FIRST + dt.timedelta(days=index - lead)
