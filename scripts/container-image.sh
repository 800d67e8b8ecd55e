#!/usr/bin/env bash
# Build the AquaMind image (Dockerfile) with podman, on top of the local base image (scripts/container-base.sh).
# Usage: scripts/container-image.sh [TAG]   (default aquamind:latest; AQUAMIND_IMAGE overrides it too)
# The build runs on the host network (apt and pip reach Debian's mirror and PyPI like the host does); a host CA
# bundle, if the host trusts an egress proxy's CA, is mounted for the pip step only and not kept in the image.
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-${AQUAMIND_IMAGE:-aquamind:latest}}"
bash scripts/container-base.sh
ca_args=()
ca_bundle="${BUILD_CA_BUNDLE:-${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}}"
if [ -f "$ca_bundle" ]; then
    ca_args=(--volume "$ca_bundle:/run/build-ca.crt:ro" --build-arg PIP_CERT=/run/build-ca.crt)
fi
echo "building $tag ..."
podman build --format docker --network host --layers "${ca_args[@]}" \
    --build-arg BASE_IMAGE="${AQUAMIND_BASE_IMAGE:-aquamind-base:bookworm}" -t "$tag" -f Dockerfile .
