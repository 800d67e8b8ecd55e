# One image for every AquaMind role; the command chooses it (docker/entrypoint.sh):
#   web (gunicorn, static files by WhiteNoise) | worker | beat | flower | migrate | manage ... | any command
# BASE_IMAGE is a minimal Debian bookworm: here the local aquamind-base:bookworm that
# scripts/container-base.sh makes with debootstrap (no registry); debian:bookworm-slim is the same thing.
ARG BASE_IMAGE=aquamind-base:bookworm
FROM ${BASE_IMAGE}

# Debian's Python 3.11 (bookworm), the Python the requirements are pinned and tested on.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'

# PIP_CERT: a CA bundle for a TLS-intercepting egress proxy, mounted by the builder for this step only
# (scripts/container-image.sh); nothing of it stays in the image.
ARG PIP_CERT=
# requirements.lock pins every runtime package with its hashes: pip installs nothing else (--require-hashes).
COPY requirements.lock /tmp/
RUN python3 -m venv /opt/venv \
 && PIP_CERT="${PIP_CERT:-}" /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        --only-binary=:all: --require-hashes -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock

RUN groupadd --system --gid 10001 aquamind \
 && useradd --system --uid 10001 --gid aquamind --home-dir /app --shell /usr/sbin/nologin aquamind

WORKDIR /app
COPY --chown=root:root . /app
# Static files collected once, at build time, and served by WhiteNoise from STATIC_ROOT (no finders).
# The settings load in embedded mode for this step: the key they generate goes with /tmp/aquamind-build.
RUN AQUAMIND_VAR_DIR=/tmp/aquamind-build STATIC_ROOT=/app/staticfiles \
    /opt/venv/bin/python manage.py collectstatic --noinput -v 0 \
 && rm -rf /tmp/aquamind-build \
 && python3 -m compileall -q /app/apps /app/aquamind \
 && mkdir -p /app/var && chown aquamind:aquamind /app/var

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=aquamind.settings \
    STATIC_ROOT=/app/staticfiles \
    WHITENOISE_USE_FINDERS=false \
    AQUAMIND_VAR_DIR=/app/var \
    PORT=8000

USER aquamind
EXPOSE 8000 5555
# What "healthy" means depends on the role (docker/healthcheck.sh): web = /health/ answers 200,
# worker = it answers `celery inspect ping`, flower = its /healthcheck, beat = its process runs.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["/app/docker/healthcheck.sh"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/docker/entrypoint.sh"]
CMD ["web"]
