"""Which site a row belongs to, read from the fixture's objects by plain attribute steps: the independent truth
the scoped answers are compared with (it does not use the models' declared site paths)."""

from __future__ import annotations

from apps.alerts.models import Alert
from apps.batch import models as bm
from apps.environmental.models import EnvironmentalReading
from apps.forecast.models import GrowthSegment, Projection
from apps.health.models import Treatment
from apps.infrastructure.models import Container, Site
from apps.inventory.models import FeedingEvent
from apps.planning.models import PlannedActivity
from apps.scenario.models import Scenario


def _of_assignment(row) -> int:
    return row.assignment.container.site_id


def site_truth(batch_site: dict[int, int]) -> dict:
    """model → (row → its site id). Every batch of the fixture lives at one site, so a batch's site is known."""
    return {
        Site: lambda row: row.pk,
        Container: lambda row: row.site_id,
        bm.Batch: lambda row: batch_site[row.pk],
        bm.BatchContainerAssignment: lambda row: row.container.site_id,
        bm.GrowthSample: _of_assignment,
        bm.GrowthSampleCast: lambda row: row.sample.assignment.container.site_id,
        Alert: lambda row: row.site_id,
        bm.MortalityEvent: _of_assignment,
        Treatment: _of_assignment,
        FeedingEvent: _of_assignment,
        bm.TransferAction: lambda row: row.source_assignment.container.site_id,
        bm.ActualDailyAssignmentState: lambda row: row.container.site_id,
        EnvironmentalReading: lambda row: row.container.site_id,
        Scenario: lambda row: batch_site[row.batch_id],
        PlannedActivity: lambda row: batch_site[row.batch_id],
        GrowthSegment: _of_assignment,
        Projection: _of_assignment,
        bm.RecomputeMarker: _of_assignment,
        bm.RecomputeRun: lambda row: batch_site[row.batch_id],
        bm.FailedRecompute: lambda row: batch_site[row.batch_id],
    }


def rows_of_site(model, site_id: int, batch_site: dict[int, int]) -> set[int]:
    truth = site_truth(batch_site)
    assert model in truth, f"{model._meta.label} is site data: add its truth to tests/access/truth.py"
    return {row.pk for row in model._default_manager.all() if truth[model](row) == site_id}
