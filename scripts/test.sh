#!/usr/bin/env bash
# Install everything and run the whole test suite: against PostgreSQL + Redis + real Celery workers,
# then a smoke run on the embedded default (SQLite, no broker).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh requirements-dev.lock
bash scripts/assets.sh
bash scripts/services.sh
if [ "$(bash scripts/browser.sh)" = "ready" ]; then export AQUAMIND_BROWSER_TESTS=require; fi

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/aquamind}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
export CELERY_BROKER_URL="$REDIS_URL"
export CELERY_RESULT_BACKEND=""
# production mode (PostgreSQL) refuses to start without a real key: a fresh random one per run, never committed
export SECRET_KEY="${SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}"
echo "== lint and format (ruff, configured in pyproject.toml)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

# one pytest process per core (pytest-xdist): each has its own test database (test_<name>_gw0, _gw1 …), its own
# throw-away Redis and its own worker queue; a test file stays in one process (its module fixtures start once);
# the fifteen slowest tests are listed at the end (where the tier's time goes)
processes="${AQUAMIND_TEST_PROCESSES:-auto}"
echo "== full suite on PostgreSQL + Redis ($processes processes)"
.venv/bin/python -m pytest -n "$processes" --dist loadfile --durations=15 "$@"

# the demo farm's tests that write it to the database (the world's own tests touch none and ran above)
echo "== smoke run on the embedded default (SQLite, no broker)"
env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND \
    AQUAMIND_VAR_DIR="$(mktemp -d)" .venv/bin/python -m pytest -n "$processes" --dist loadfile -m "not integration and not browser" -q \
    tests/smoke tests/batch/test_recompute_service.py tests/demo/test_generate_demo_data.py \
    tests/demo/test_realistic_world.py::test_the_realistic_farm_is_written_with_its_delousings_and_every_fish_accounted_for
