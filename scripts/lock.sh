#!/usr/bin/env bash
# Regenerate the lock files from requirements*.txt with uv (pinned in requirements-dev.txt): every package,
# the transitive ones too, pinned with its hashes, for Python 3.11 on any platform (--universal).
#   requirements-containers.lock  runtime + test tools + the container tier's tools (resolved first)
#   requirements-dev.lock         runtime + test tools   (scripts/test.sh, scripts/test-rabbitmq.sh)
#   requirements.lock             runtime                (scripts/run.sh, the Dockerfile)
# The two smaller locks are resolved inside the largest (-c), so a package has one version in all three.
# Packages already locked keep their version; `bash scripts/lock.sh --upgrade` moves every one to its newest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/uv ] || bash scripts/venv.sh requirements-dev.lock
# uv trusts its own CA list; behind a TLS-intercepting proxy use the bundle pip is told to use
if [ -z "${SSL_CERT_FILE:-}" ] && [ -n "${PIP_CERT:-}" ]; then export SSL_CERT_FILE="$PIP_CERT"; fi

compile() {  # compile INPUT OUTPUT [uv options]
    local input="$1" output="$2"
    shift 2
    .venv/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
        --custom-compile-command "bash scripts/lock.sh" "$input" -o "$output" "$@"
}

compile requirements-containers.txt requirements-containers.lock "$@"
compile requirements-dev.txt requirements-dev.lock -c requirements-containers.lock
compile requirements.txt requirements.lock -c requirements-containers.lock
echo "locked: $(grep -c '^[A-Za-z0-9]' requirements-containers.lock) / $(grep -c '^[A-Za-z0-9]' requirements-dev.lock) / $(grep -c '^[A-Za-z0-9]' requirements.lock) packages (containers / dev / runtime)"
