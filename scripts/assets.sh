#!/usr/bin/env bash
# Install the pages' browser libraries from npm (versions pinned by package-lock.json) and copy their builds
# into apps/web/static/web/vendor/, where Django's static files serve them: nothing is loaded from a CDN.
# Fast when nothing changed (the copy is skipped if it is newer than the lock file). Without Node the pages
# still load and say the chart library is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=apps/web/static/web/vendor
target="$vendor/echarts.min.js"
if [ -f "$target" ] && [ "$target" -nt package-lock.json ]; then exit 0; fi
if ! command -v npm >/dev/null; then
    echo "npm not found: the growth chart will show 'chart library missing' (install Node.js, rerun scripts/assets.sh)" >&2
    exit 0
fi
if ! npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; then
    echo "npm ci failed (offline with an empty npm cache?): the growth chart will say its library is missing" >&2
    exit 0
fi
mkdir -p "$vendor"
cp node_modules/echarts/dist/echarts.min.js "$target"
cp node_modules/echarts/LICENSE "$vendor/echarts.LICENSE"
