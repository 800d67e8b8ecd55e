#!/usr/bin/env bash
# The RabbitMQ tier: the integration tests that publish through a real broker, with the machine's RabbitMQ as
# the broker (AQUAMIND_IT_BROKER=rabbitmq) and the tests' throw-away Redis for de-duplication. A named subset:
# publish (every event path), kill -9 of a pool child and of a whole worker, two workers under a burst.
# Then the broker outage, against a throw-away RabbitMQ node the test starts on free ports and stops (the
# machine's RabbitMQ is never stopped). Each session uses its own queue and deletes it at the end.
# Extra arguments go to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh requirements-dev.lock
bash scripts/services.sh

export AQUAMIND_IT_BROKER=rabbitmq
export AQUAMIND_IT_RABBITMQ_URL="${AQUAMIND_IT_RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672//}"
if ! .venv/bin/python -c "import kombu, sys; kombu.Connection(sys.argv[1], connect_timeout=5).ensure_connection(max_retries=1)" \
        "$AQUAMIND_IT_RABBITMQ_URL" 2>/dev/null; then
    echo "RabbitMQ does not answer at $AQUAMIND_IT_RABBITMQ_URL" >&2
    exit 1
fi
# its own database name: pytest-django creates and drops test_<name>, so this never meets another run's
export DATABASE_URL="${TEST_RABBITMQ_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/aquamind_rabbitmq}"
export CELERY_BROKER_URL="$AQUAMIND_IT_RABBITMQ_URL"
export CELERY_RESULT_BACKEND=""
export SECRET_KEY="${SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}"  # fresh per run
echo "== RabbitMQ tier: integration subset with CELERY_BROKER_URL=$AQUAMIND_IT_RABBITMQ_URL"
.venv/bin/python -m pytest -p no:cacheprovider \
    tests/integration/test_event_paths.py \
    "tests/integration/test_failures.py::test_a_pool_child_killed_mid_recompute_is_redone_from_the_requeued_message" \
    "tests/integration/test_failures.py::test_a_worker_killed_outright_mid_recompute_is_redone_through_the_sweeper" \
    "tests/integration/test_concurrency.py::test_two_workers_and_a_burst_of_200_events_on_one_batch_end_in_a_full_recompute" \
    "$@"

echo "== RabbitMQ tier: broker outage, with a throw-away RabbitMQ node as the broker"
AQUAMIND_IT_BROKER=rabbitmq-throwaway .venv/bin/python -m pytest -p no:cacheprovider \
    tests/integration/test_rabbitmq_outage.py "$@"
