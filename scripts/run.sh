#!/usr/bin/env bash
# Install and run AquaMind on the embedded default: SQLite file in ./var, no broker server (recompute
# runs in-process right after each commit), demo data on first start, web UI on http://127.0.0.1:8000/
# `--setup-only`: everything but the web server (the smoke tests use it).
# PORT chooses the port (default 8000); a port that is taken ends the script before anything starts, with a
# message saying so (a second run.sh, or another program there).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8000}"
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    echo "PORT=$port is not a port number (1-65535), e.g. PORT=8001 scripts/run.sh" >&2
    exit 2
fi
# something already answers on the port: our message, not Django's after the whole setup (checked again just before
# the server starts, in case the setup took long)
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
refuse_taken_port() {
    echo "port $port on 127.0.0.1 is already in use (AquaMind running in another terminal, or another program):" >&2
    echo "stop that one, or start on another port: PORT=$((port % 65535 + 1)) scripts/run.sh" >&2
    exit 1
}
if [ "${1:-}" != "--setup-only" ] && port_taken; then refuse_taken_port; fi
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
if port_taken; then refuse_taken_port; fi
echo "open http://127.0.0.1:$port/  (user: demo, password: demo-password; one operator per site: site-<site name>, same password; development only)"
exec $py manage.py runserver "127.0.0.1:$port" --insecure
