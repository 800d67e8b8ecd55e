#!/usr/bin/env bash
# Create ./.venv (Python 3.11) and install the pinned requirements given as $1 (default requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="${1:-requirements.txt}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements" -c requirements.lock
