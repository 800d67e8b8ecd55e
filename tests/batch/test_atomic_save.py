"""Outside any transaction (a shell, a script), an event's row and its recompute marker commit together or
not at all: a failure after the row is written leaves neither behind."""

import pytest
from django.db.models.signals import post_save

from apps.batch.models import GrowthSample, RecomputeMarker
from apps.inventory.models import FeedingEvent
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import FeedingEventFactory, GrowthSampleFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def explode(sender, **kwargs):
    raise Boom


@pytest.mark.parametrize(
    "model, make",
    [
        (GrowthSample, lambda a: GrowthSampleFactory(assignment=a, sample_date=START)),
        (FeedingEvent, lambda a: FeedingEventFactory(assignment=a, feeding_date=START)),
    ],
    ids=["growth sample", "feeding event"],
)
def test_a_save_that_fails_after_its_marker_leaves_neither_row_nor_marker(salmon, model, make):
    _, source, _, _ = farm_with_transfer(days=30, transfer_day=15)
    RecomputeMarker.objects.all().delete()
    before = model.objects.count()
    post_save.connect(explode, sender=model, dispatch_uid="test:explode")  # runs after the marker handler
    try:
        with pytest.raises(Boom):
            make(source)
    finally:
        post_save.disconnect(sender=model, dispatch_uid="test:explode")
    assert model.objects.count() == before
    assert not RecomputeMarker.objects.exists()


def test_a_save_in_autocommit_commits_the_row_with_its_marker(salmon):
    _, source, _, _ = farm_with_transfer(days=30, transfer_day=15)
    RecomputeMarker.objects.all().delete()
    GrowthSampleFactory(assignment=source, sample_date=START)
    assert RecomputeMarker.objects.filter(assignment=source, dirty_from=START).exists()
