"""The recompute's tasks answer to their new names and, for messages queued and beat rows written before the
recompute had an app of its own, to their old ones (apps.batch.tasks.*)."""

import pytest
from django.conf import settings

from apps.batch.models import ActualDailyAssignmentState, RecomputeMarker
from apps.recompute.markers import batch_marks, recompute_mark_many
from aquamind.celery import app
from tests.batch.scenarios import farm_with_transfer

pytestmark = pytest.mark.django_db

OLD_AND_NEW = {
    "apps.batch.tasks.recompute_assignment_window": "apps.recompute.tasks.recompute_drain",
    "apps.batch.tasks.recompute_sweeper": "apps.recompute.tasks.recompute_sweeper",
    "apps.batch.tasks.nightly_catch_up": "apps.recompute.tasks.nightly_catch_up",
    "apps.batch.tasks.verify_daily_states_nightly": "apps.recompute.tasks.verify_daily_states_nightly",
}


def test_every_old_and_new_name_is_registered():
    assert set(OLD_AND_NEW) | set(OLD_AND_NEW.values()) <= set(app.tasks)


def test_the_beat_schedule_names_registered_tasks_under_their_new_names():
    app.loader.import_default_modules()  # what a worker does at start: every app's tasks module
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names <= set(app.tasks)
    assert not names & set(OLD_AND_NEW), "the schedule still names a task by its old name"
    assert set(OLD_AND_NEW.values()) - {"apps.recompute.tasks.recompute_drain"} <= names


def test_a_drain_message_queued_under_the_old_name_still_drains_its_batch(salmon):
    """What the publisher sent before the rename: the assignment and a None start date, ``from_marker`` and the
    batch as keywords."""
    _, source, dest, _ = farm_with_transfer()
    recompute_mark_many(marks=batch_marks(batch_id=source.batch_id), publish=False)
    old = app.tasks["apps.batch.tasks.recompute_assignment_window"]
    result = old.apply(args=[source.pk, None], kwargs={"from_marker": True, "batch_id": source.batch_id}).get()
    assert result["batch_id"] == source.batch_id and result["cleared"] == 2
    assert not RecomputeMarker.objects.exists()
    assert ActualDailyAssignmentState.objects.filter(batch_id=source.batch_id).count() == 60
