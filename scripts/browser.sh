#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the browser test of the growth page, if they are missing.
# Prints "ready" when both are there; anything else means the browser test will be skipped (with its reason).
set -uo pipefail
have() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }
if ! have; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
    echo "installing chromium and chromium-driver (Debian packages) for the browser test ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
        || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; }
fi
if have; then echo ready; else echo "could not install chromium; the browser test will be skipped" >&2; fi
