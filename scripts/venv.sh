#!/usr/bin/env bash
# Create ./.venv (Python 3.11) and install a lock file given as $1 (default requirements.lock: the runtime;
# requirements-dev.lock adds the test tools, requirements-containers.lock the container tier's). Every package
# is pinned with its hashes and pip refuses anything else (--require-hashes); a requirements*.txt name means
# its lock. Regenerate the locks with scripts/lock.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
lock="${1:-requirements.lock}"
lock="${lock%.txt}"
lock="${lock%.lock}.lock"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
