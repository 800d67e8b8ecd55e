#!/bin/sh
# HEALTHCHECK of the image; what "healthy" means depends on the role the entrypoint started.
#   web     GET /health/ answers 200 (ok or degraded; 503 = a part it checks is down)
#   worker  this worker answers `celery inspect ping`
#   flower  Flower's /healthcheck answers
#   other   healthy while it runs (beat: exactly one, watched by its restart policy)
set -eu
role="$(cat /tmp/aquamind-role 2>/dev/null || echo web)"
case "$role" in
    web)
        exec python -c 'import os, sys, urllib.request
sys.exit(0 if urllib.request.urlopen("http://127.0.0.1:%s/health/" % os.environ.get("PORT", "8000"), timeout=8).status == 200 else 1)'
        ;;
    worker)
        exec celery -A aquamind inspect ping --timeout 5 -d "celery@$(hostname)" >/dev/null
        ;;
    flower)
        exec python -c 'import os, sys, urllib.request
sys.exit(0 if urllib.request.urlopen("http://127.0.0.1:%s/healthcheck" % os.environ.get("FLOWER_PORT", "5555"), timeout=8).status == 200 else 1)'
        ;;
    *)
        exit 0
        ;;
esac
