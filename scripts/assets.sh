#!/usr/bin/env bash
# Install the pages' browser libraries from npm (versions pinned by package-lock.json) and copy their builds
# into apps/web/static/web/vendor/, where Django's static files serve them: nothing is loaded from a CDN.
# ECharts draws the growth chart; Bootstrap (its CSS and its JS bundle, which carries Popper) is the pages'
# design system. Fast when nothing changed (the copy is skipped if every build is newer than the lock file).
# Without Node the pages still load: unstyled, and saying that the chart library is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=apps/web/static/web/vendor
# what the pages load, and where npm puts it
builds=(
    "echarts.min.js:node_modules/echarts/dist/echarts.min.js"
    "echarts.LICENSE:node_modules/echarts/LICENSE"
    "bootstrap.min.css:node_modules/bootstrap/dist/css/bootstrap.min.css"
    "bootstrap.bundle.min.js:node_modules/bootstrap/dist/js/bootstrap.bundle.min.js"
    "bootstrap.LICENSE:node_modules/bootstrap/LICENSE"
)
fresh=yes
for build in "${builds[@]}"; do
    target="$vendor/${build%%:*}"
    if ! [ -f "$target" ] || ! [ "$target" -nt package-lock.json ]; then fresh=no; fi
done
[ "$fresh" = yes ] && exit 0
if ! command -v npm >/dev/null; then
    echo "npm not found: the pages will be unstyled and the growth chart will show 'chart library missing' (install Node.js, rerun scripts/assets.sh)" >&2
    exit 0
fi
if ! npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; then
    echo "npm ci failed (offline with an empty npm cache?): the pages will be unstyled and the chart will say its library is missing" >&2
    exit 0
fi
mkdir -p "$vendor"
for build in "${builds[@]}"; do
    # the builds' last line names a source map we do not ship: dropped, so no browser asks for a missing file
    sed '/^\/[/*][#@] sourceMappingURL=/d' "${build#*:}" >"$vendor/${build%%:*}"
done
