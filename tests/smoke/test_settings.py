"""Settings come from the environment: the mode's defaults, and a loud error naming a malformed variable."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.AQUAMIND_MODE, s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, s.REDIS_URL, s.AQUAMIND_EMBEDDED, s.DEBUG]))"
)
OURS = {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL", "AQUAMIND_MODE", "DEBUG"}


def settings_with(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in OURS}
    base["DJANGO_SETTINGS_MODULE"] = "aquamind.settings"
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
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
        ({"DATABASE_URL": PG}, ["production", "redis://127.0.0.1:6379/0", None, "redis://127.0.0.1:6379/0", False, False]),
        ({"DATABASE_URL": PG, "AQUAMIND_MODE": "embedded"}, ["embedded", "", None, "", True, False]),
        ({"DATABASE_URL": PG, "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//", "CELERY_RESULT_BACKEND": ""},
         ["production", "amqp://guest:guest@127.0.0.1:5672//", None, "redis://127.0.0.1:6379/0", False, False]),
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/3", "DEBUG": "yes"}, ["embedded", "redis://127.0.0.1:6379/3", None, "", False, True]),
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
@pytest.mark.parametrize("path", ["/static/admin/css/base.css", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"])
def test_static_files_are_served_with_debug_off(client, settings, path):
    assert settings.DEBUG is False
    response = client.get(path)
    assert response.status_code == 200 and int(response.headers["Content-Length"]) > 1000
