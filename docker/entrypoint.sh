#!/bin/sh
# The image's entrypoint: the first argument chooses the role, the rest is passed on.
#   web      gunicorn on 0.0.0.0:$PORT (GUNICORN_WORKERS, GUNICORN_TIMEOUT)
#   worker   celery worker (CELERY_CONCURRENCY; extra arguments go to celery)
#   beat     celery beat: run exactly ONE in a deployment
#   flower   Flower on :5555, basic auth from FLOWER_BASIC_AUTH (user:password[,user2:password2]), /metrics too
#   migrate  apply migrations and exit (run it before new workers and web start)
#   manage   python manage.py ...
# Anything else is executed as is (e.g. `bash`, `celery -A aquamind inspect ping`).
# The serving roles (web, worker, beat, flower) refuse to start without SECRET_KEY, whatever the mode: the image
# has no key of its own, and a key generated inside one container would differ in every other one.
set -eu
role="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$role" in
    web|worker|beat|flower)
        if [ -z "${SECRET_KEY:-}" ]; then
            echo "SECRET_KEY is not set: the $role role needs a random key of at least 50 characters," \
                 "the same in every container (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" >&2
            exit 2
        fi
        ;;
esac
echo "$role" >/tmp/aquamind-role 2>/dev/null || true  # read by docker/healthcheck.sh

case "$role" in
    web)
        exec gunicorn aquamind.wsgi --bind "0.0.0.0:${PORT:-8000}" --workers "${GUNICORN_WORKERS:-2}" \
            --timeout "${GUNICORN_TIMEOUT:-60}" --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" "$@"
        ;;
    worker)
        exec celery -A aquamind worker --loglevel="${LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
        ;;
    beat)
        exec celery -A aquamind beat --loglevel="${LOG_LEVEL:-INFO}" --pidfile= "$@"
        ;;
    flower)
        if [ -z "${FLOWER_BASIC_AUTH:-}" ]; then
            echo "FLOWER_BASIC_AUTH (user:password) must be set: Flower shows and controls every task" >&2
            exit 2
        fi
        # docker/flowerconfig.py puts /metrics behind the same basic auth as every other page
        exec celery -A aquamind flower --address=0.0.0.0 --port="${FLOWER_PORT:-5555}" \
            --basic-auth="$FLOWER_BASIC_AUTH" --conf=/app/docker/flowerconfig.py "$@"
        ;;
    migrate)
        exec python manage.py migrate --noinput "$@"
        ;;
    manage)
        exec python manage.py "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
