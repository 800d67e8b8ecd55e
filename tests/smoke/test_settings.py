"""Settings come from the environment: the mode's defaults, and a loud error naming a malformed variable."""

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.AQUAMIND_MODE, s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, s.REDIS_URL, s.AQUAMIND_EMBEDDED, s.DEBUG]))"
)
OURS = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "REDIS_URL",
    "AQUAMIND_MODE",
    "DEBUG",
    "SECRET_KEY",
    "AQUAMIND_VAR_DIR",
}
VAR_DIR = tempfile.mkdtemp(
    prefix="aquamind-settings-"
)  # the instance's folder (SQLite file, generated key) of these runs
A_KEY = secrets.token_urlsafe(50)  # production mode needs one; a fresh one per run


def settings_with(*, command: list[str] | None = None, **env) -> subprocess.CompletedProcess:
    """Run ``command`` (default: print the probed settings) with only ``env`` of the variables above set."""
    base = {k: v for k, v in os.environ.items() if k not in OURS}
    base["DJANGO_SETTINGS_MODULE"] = "aquamind.settings"
    base["AQUAMIND_VAR_DIR"] = VAR_DIR
    return subprocess.run(
        command or [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(**env) -> list:
    done = settings_with(**env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


PG = "postgres://postgres@127.0.0.1:5432/aquamind"


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, ["embedded", "", None, "", True, False]),
        (
            {"DATABASE_URL": PG, "SECRET_KEY": A_KEY},
            ["production", "redis://127.0.0.1:6379/0", None, "redis://127.0.0.1:6379/0", False, False],
        ),
        ({"DATABASE_URL": PG, "AQUAMIND_MODE": "embedded"}, ["embedded", "", None, "", True, False]),
        (
            {
                "DATABASE_URL": PG,
                "SECRET_KEY": A_KEY,
                "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
                "CELERY_RESULT_BACKEND": "",
            },
            ["production", "amqp://guest:guest@127.0.0.1:5672//", None, "redis://127.0.0.1:6379/0", False, False],
        ),
        (
            {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/3", "DEBUG": "yes"},
            ["embedded", "redis://127.0.0.1:6379/3", None, "", False, True],
        ),
    ],
    ids=["sqlite default", "postgres default", "postgres embedded", "rabbitmq", "explicit broker"],
)
def test_the_mode_chooses_the_broker_defaults(env, expected):
    assert loaded(**env) == expected


@pytest.mark.parametrize(
    "env, message",
    [
        ({"AQUAMIND_MODE": "staging"}, "AQUAMIND_MODE='staging' must be one of: production, embedded"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"CELERY_TASK_TIME_LIMIT": "half an hour"}, "CELERY_TASK_TIME_LIMIT='half an hour' is not a whole number"),
    ],
)
def test_a_malformed_variable_stops_the_start_naming_it(env, message):
    done = settings_with(**env)
    assert done.returncode != 0 and message in done.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/static/admin/css/base.css", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"]
)
def test_static_files_are_served_with_debug_off(client, settings, path):
    assert settings.DEBUG is False
    response = client.get(path)
    assert response.status_code == 200 and int(response.headers["Content-Length"]) > 1000


# Issue 9, case 6: production mode refuses a missing or public key; `check --deploy` is clean with the
# production settings docs/operations.md, "Secret key and HTTPS" documents.
@pytest.mark.parametrize(
    "env, message",
    [
        ({"DATABASE_URL": PG}, "SECRET_KEY is not set"),
        ({"AQUAMIND_MODE": "production"}, "SECRET_KEY is not set"),
        (
            {"DATABASE_URL": PG, "SECRET_KEY": "dev-only-insecure-key-set-SECRET_KEY-in-production"},
            "SECRET_KEY is a public development key",
        ),
        ({"DATABASE_URL": PG, "SECRET_KEY": "short-but-secret"}, "SECRET_KEY is too weak (16 characters)"),
        ({"DATABASE_URL": PG, "SECRET_KEY": "a" * 60}, "SECRET_KEY is too weak (60 characters)"),
    ],
    ids=["postgres", "production mode", "development key", "short", "one letter"],
)
def test_production_mode_without_a_real_key_exits_naming_secret_key(env, message):
    done = settings_with(command=[sys.executable, "manage.py", "check"], **env)
    assert done.returncode != 0 and message in done.stderr


PRODUCTION = {  # docs/operations.md, "Secret key and HTTPS", behind a TLS-terminating proxy
    "DATABASE_URL": PG,
    "SECRET_KEY": A_KEY,
    "ALLOWED_HOSTS": "farm.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def test_check_deploy_is_clean_with_the_documented_production_settings():
    done = settings_with(
        command=[sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "System check identified no issues" in done.stdout


def test_check_deploy_flags_the_defaults():
    done = settings_with(command=[sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016", "aquamind.W001"):
        assert warning in done.stderr


def test_a_malformed_proxy_header_stops_the_start():
    done = settings_with(command=[sys.executable, "manage.py", "check"], SECURE_PROXY_SSL_HEADER="https")
    assert done.returncode != 0 and "SECURE_PROXY_SSL_HEADER='https' must be two comma-separated values" in done.stderr
