"""A RabbitMQ outage (docs/operations.md, "RabbitMQ as the broker"), with a throw-away RabbitMQ node as the broker
(``AQUAMIND_IT_BROKER=rabbitmq-throwaway``, scripts/test-rabbitmq.sh): an API write that marks 30 assignments
while the broker is down makes one publish attempt, answers at once and keeps its markers; once the broker is
back the sweeper publishes, the worker (reconnected by itself) drains, and the states equal a full recompute.
Skipped with any other broker: with Redis, test_broker_outage.py covers the same path."""

import pytest

from apps.batch.models import RecomputeMarker
from apps.recompute import publish
from apps.recompute.tasks import recompute_sweeper
from tests.batch.scenarios import START
from tests.integration import support
from tests.integration.support import INTEGRATION, assert_equals_full_recompute, pending_work, rabbitmq_stopped
from tests.integration.test_broker_outage import (  # noqa: F401 - fixtures
    ASSIGNMENTS,
    computed_batch_of_30,
    edit_tgc,
    last_day_weights,
    manager_api,
    publish_attempts,
)

pytestmark = [
    *INTEGRATION,
    pytest.mark.skipif(support.MODE != "rabbitmq-throwaway", reason="needs AQUAMIND_IT_BROKER=rabbitmq-throwaway"),
]


def test_a_write_with_rabbitmq_down_makes_one_publish_attempt_and_the_sweeper_finishes_it_when_it_is_back(
    salmon,
    drain,
    manager_api,
    publish_attempts,
    settings,  # noqa: F811
):
    settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS = 5.0
    batch = computed_batch_of_30()
    before = last_day_weights(batch)
    failures = publish.publish_failures

    with rabbitmq_stopped():
        elapsed = edit_tgc(manager_api, batch, 2.9)
        assert publish_attempts == ["apps.recompute.tasks.recompute_drain"]  # one, not one per assignment
        assert publish.publish_failures == failures + 1 and publish.publish_paused()
        assert elapsed < 5, elapsed  # no retries and their sleeps
    assert RecomputeMarker.objects.filter(batch=batch, dirty_from=START).count() == ASSIGNMENTS
    assert pending_work() == (ASSIGNMENTS, 0)  # nothing reached the queue: the markers wait

    settings.SWEEPER_MIN_AGE_SECONDS = 0
    assert recompute_sweeper() == {"batches": 1, "published": 1}
    drain(timeout=120)  # the worker reconnects to the restarted broker by itself
    after = last_day_weights(batch)
    assert len(before) == len(after) == 1 and after != before
    assert_equals_full_recompute(batch.pk)
