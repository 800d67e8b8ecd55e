"""Small farms for the planning tests: one open tank, its batch started ``days_ago`` days before today."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.factories import AssignmentFactory, ScenarioFactory, TemperatureProfileFactory, TGCModelFactory, stage


def open_tank(*, days_ago: int = 60, start: dt.date | None = None):
    """A batch with a scenario (TGC 2.5, 8 → 12 °C over the year) and one tank placed with 10,000 fish at 100 g,
    not departed. Returns (scenario, assignment)."""
    start = start or timezone.localdate() - dt.timedelta(days=days_ago)
    profile = TemperatureProfileFactory(days={1: 8.0, 365: 12.0})
    scenario = ScenarioFactory(tgc_model=TGCModelFactory(profile=profile, tgc_value=2.5), batch__start_date=start)
    tank = AssignmentFactory(batch=scenario.batch, assignment_date=start, lifecycle_stage=stage("Smolt"))
    return scenario, tank
