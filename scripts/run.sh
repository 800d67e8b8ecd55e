#!/usr/bin/env bash
# Install and run AquaMind on the embedded default: SQLite file in ./var, no broker server (recompute
# runs in-process right after each commit), demo data on first start, web UI on http://127.0.0.1:8000/
# `--setup-only`: everything but the web server (the smoke tests use it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh requirements.lock
bash scripts/assets.sh
py=.venv/bin/python
$py manage.py migrate --no-input -v0
batches="$($py manage.py shell --no-imports -c 'from apps.batch.models import Batch; print(Batch.objects.count())')"
if [ "$batches" = "0" ]; then
    echo "generating demo data (small preset) ..."
    $py manage.py generate_demo_data --preset small --seed 42 --world realistic
    $py manage.py recompute_recent_daily_states --all --sync
else
    echo "database has $batches batches: no demo data generated"
fi
$py manage.py ensure_demo_user
[ "${1:-}" = "--setup-only" ] && exit 0
echo "open http://127.0.0.1:${PORT:-8000}/  (user: demo, password: demo-password; one operator per site: site-<site name>, same password; development only)"
exec $py manage.py runserver "127.0.0.1:${PORT:-8000}" --insecure
