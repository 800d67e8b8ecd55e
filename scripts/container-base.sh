#!/usr/bin/env bash
# Make the local base image aquamind-base:bookworm (what the Dockerfile builds FROM) without a registry:
# debootstrap a minimal Debian bookworm from Debian's mirror and `podman import` it. Cached: does nothing
# when the image exists (AQUAMIND_BASE_REBUILD=1 forces a rebuild). Needs root, debootstrap and podman.
set -euo pipefail
image="${AQUAMIND_BASE_IMAGE:-aquamind-base:bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [ "${AQUAMIND_BASE_REBUILD:-0}" != 1 ] && podman image exists "$image"; then
    echo "base image $image exists (cached)"
    exit 0
fi
root="$(mktemp -d /var/tmp/aquamind-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "debootstrap --variant=minbase bookworm from $mirror ..."
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -n 30 "$root.log" >&2; exit 1; }
rm -f "$root.log"
# what the official slim image leaves out: apt lists and caches, docs
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | podman import --quiet --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "base image $image imported ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
