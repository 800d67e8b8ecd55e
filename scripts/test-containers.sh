#!/usr/bin/env bash
# The container tier: install podman (Debian), build the base image (debootstrap, cached) and the AquaMind image,
# then run tests/containers against it: the roles as containers and compose.prod.yaml under podman-compose.
# Needs root (rootful podman with the runc runtime) and the machine's PostgreSQL; starts its own redis-server.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
packages=(podman runc debootstrap)
missing=()
for package in "${packages[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} (Debian packages) ..."
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
        || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${missing[@]}" >/dev/null; }
fi

# This kernel's cgroups and rlimits defeat podman's default runtime (crun) and its default ulimits.
conf_dir="${AQUAMIND_CONTAINERS_CONF_DIR:-/var/tmp/aquamind-podman}"
mkdir -p "$conf_dir"
cat >"$conf_dir/containers.conf" <<'CONF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF="$conf_dir/containers.conf"

bash scripts/venv.sh requirements-containers.lock  # the test tools and podman-compose, with their hashes
bash scripts/services.sh

# the host side (pytest) loads the settings too (production mode on PostgreSQL): a fresh key per run
export SECRET_KEY="${SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}"
export AQUAMIND_IMAGE="${AQUAMIND_IMAGE:-aquamind:test}"
started=$(date +%s)
bash scripts/container-base.sh
echo "== base image ready in $(( $(date +%s) - started )) s"
started=$(date +%s)
bash scripts/container-image.sh "$AQUAMIND_IMAGE" >"$conf_dir/build.log" 2>&1 \
    || { tail -n 40 "$conf_dir/build.log" >&2; echo "image build failed (log: $conf_dir/build.log)" >&2; exit 1; }
echo "== image $AQUAMIND_IMAGE built in $(( $(date +%s) - started )) s"

echo "== container tier (podman $(podman --version | awk '{print $3}'), image $AQUAMIND_IMAGE)"
AQUAMIND_CONTAINER_TESTS=require .venv/bin/python -m pytest tests/containers -p no:cacheprovider "$@"
