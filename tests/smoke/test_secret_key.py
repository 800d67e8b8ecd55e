"""Issue 16, item 2: there is no public secret key. Without SECRET_KEY only a process that serves nothing beyond
this machine starts (embedded mode or DEBUG, as a command or runserver on loopback), and it uses the instance's
generated key (mode 0600, reused); production mode with DEBUG off, any server listening beyond loopback and
the image's defaults refuse to start (docs/operations.md, "Secret key")."""

from __future__ import annotations

import itertools
import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from aquamind.secret_key import generated_key, serves_beyond_loopback, strong_key

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432/aquamind"
OURS = {"DATABASE_URL", "AQUAMIND_MODE", "DEBUG", "SECRET_KEY", "AQUAMIND_VAR_DIR", "CELERY_BROKER_URL", "REDIS_URL"}
# Loads aquamind/settings.py afresh for each case (its environment and sys.argv) and prints what it decided.
PROBE = """
import json, os, runpy, sys
from django.core.exceptions import ImproperlyConfigured
base, answers = dict(os.environ), []
for case in json.load(sys.stdin):
    os.environ.clear(); os.environ.update(base); os.environ.update(case["env"]); sys.argv = case["argv"]
    try:
        loaded = runpy.run_module("aquamind.settings")
        answers.append({"source": loaded["SECRET_KEY_SOURCE"], "key": loaded["SECRET_KEY"]})
    except ImproperlyConfigured as refusal:
        answers.append({"refused": str(refusal)})
print(json.dumps(answers))
"""

PROCESSES = {
    "a management command": ["manage.py", "migrate"],
    "runserver on loopback": ["manage.py", "runserver", "127.0.0.1:8000", "--insecure"],
    "runserver on all addresses": ["manage.py", "runserver", "0.0.0.0:8000"],
    "gunicorn": ["/opt/venv/bin/gunicorn", "aquamind.wsgi", "--bind", "127.0.0.1:8000"],
}
LOCAL = {"a management command", "runserver on loopback"}
MODES, DATABASES, DEBUGS = ("embedded", "production"), ("sqlite", "postgres"), ("on", "off")
MATRIX = list(itertools.product(MODES, DATABASES, DEBUGS, PROCESSES))
# The image's defaults (Dockerfile ENV, no other variable) and its web role's server
IMAGE = {"STATIC_ROOT": "/app/staticfiles", "WHITENOISE_USE_FINDERS": "false"}
IMAGE_WEB = ["/opt/venv/bin/gunicorn", "aquamind.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"]


def clean_env(**env) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in OURS},
        "DJANGO_SETTINGS_MODULE": "aquamind.settings",
        **env,
    }


def probe(cases: list[dict]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], input=json.dumps(cases), cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def case_env(mode: str, database: str, debug: str, var_dir: Path, key: str = "") -> dict[str, str]:
    env = {"AQUAMIND_MODE": mode, "DEBUG": "true" if debug == "on" else "false", "AQUAMIND_VAR_DIR": str(var_dir)}
    if database == "postgres":
        env["DATABASE_URL"] = PG
    if key:
        env["SECRET_KEY"] = key
    return env


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance") / "var"


@pytest.fixture(scope="module")
def without_a_key(var_dir) -> dict:
    """The matrix without SECRET_KEY, then the image's defaults: what each process decided."""
    cases = [{"env": case_env(*combination[:3], var_dir), "argv": PROCESSES[combination[3]]} for combination in MATRIX]
    cases.append({"env": {**IMAGE, "AQUAMIND_VAR_DIR": str(var_dir.parent / "image-var")}, "argv": IMAGE_WEB})
    answers = probe(cases)
    return {"image": answers.pop(), **dict(zip(MATRIX, answers))}


@pytest.mark.parametrize("mode, database, debug, process", MATRIX, ids=lambda value: str(value).replace(" ", "-"))
def test_without_a_key_only_a_local_process_in_embedded_mode_or_debug_starts(
    without_a_key, var_dir, mode, database, debug, process
):
    answer = without_a_key[(mode, database, debug, process)]
    may_start = process in LOCAL and (mode == "embedded" or debug == "on")
    if may_start:
        assert answer == {"source": "generated", "key": (var_dir / "secret_key").read_text().strip()}
    else:
        assert "SECRET_KEY is not set" in answer["refused"]


def test_the_images_defaults_refuse_to_serve_without_a_key(without_a_key, var_dir):
    assert "SECRET_KEY is not set: a server that listens beyond this machine" in without_a_key["image"]["refused"]
    assert not (var_dir.parent / "image-var" / "secret_key").exists()  # nothing generated for it


def test_the_images_entrypoint_refuses_every_serving_role_without_a_key(tmp_path):
    for role in ("web", "worker", "beat", "flower"):
        done = subprocess.run(
            ["sh", "docker/entrypoint.sh", role], cwd=ROOT, capture_output=True, text=True, timeout=30,
            env=clean_env(**IMAGE, AQUAMIND_VAR_DIR=str(tmp_path), PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin"),
        )  # fmt: skip
        assert done.returncode == 2 and f"SECRET_KEY is not set: the {role} role needs" in done.stderr, done.stderr


def test_the_generated_key_is_owner_only_and_reused_by_the_next_process(without_a_key, var_dir):
    key_file = var_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50
    later = probe([{"env": case_env("embedded", "sqlite", "off", var_dir), "argv": PROCESSES["a management command"]}])
    assert later == [{"source": "generated", "key": key}]
    assert [path.name for path in var_dir.iterdir()] == ["secret_key"]  # no draft left behind


def test_every_process_starts_with_a_real_key_and_uses_it(tmp_path):
    key = secrets.token_urlsafe(50)
    cases = [
        {"env": case_env(*combination[:3], tmp_path, key), "argv": PROCESSES[combination[3]]} for combination in MATRIX
    ]
    cases.append({"env": {**IMAGE, "AQUAMIND_VAR_DIR": str(tmp_path), "SECRET_KEY": key}, "argv": IMAGE_WEB})
    assert probe(cases) == [{"source": "environment", "key": key}] * (len(MATRIX) + 1)
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    "argv, beyond",
    [
        (["manage.py", "runserver"], False),
        (["manage.py", "runserver", "8000"], False),
        (["manage.py", "runserver", "localhost:8000"], False),
        (["manage.py", "runserver", "-6"], False),
        (["manage.py", "runserver", "[::1]:8000"], False),
        (["manage.py", "runserver", "--settings", "aquamind.settings", "127.0.0.2:9000"], False),
        (["manage.py", "runserver", "0:8000"], True),
        (["manage.py", "runserver", "[::]:8000"], True),
        (["manage.py", "runserver", "farm.example.com:80"], True),
        (["manage.py", "runserver", "--noreload", "192.168.1.5:8000"], True),
        (["/usr/local/bin/gunicorn", "aquamind.wsgi"], True),
        (["/venv/lib/python3.11/site-packages/gunicorn/__main__.py", "aquamind.wsgi"], True),
        (["/venv/bin/uvicorn", "aquamind.asgi:application"], True),
        (["manage.py", "shell"], False),
        (["/venv/bin/celery", "-A", "aquamind", "worker"], False),
        ([], False),
    ],
)
def test_a_server_beyond_loopback_is_told_from_its_command_line(argv, beyond):
    assert serves_beyond_loopback(argv) is beyond


def test_a_key_file_others_can_read_is_refused(tmp_path):
    generated_key(tmp_path)
    (tmp_path / "secret_key").chmod(0o644)
    with pytest.raises(ImproperlyConfigured, match="can be read by others .mode 644.: chmod 600 it, or set SECRET_KEY"):
        generated_key(tmp_path)


def test_a_weak_or_published_key_is_refused_wherever_it_comes_from(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is a public development key"):
        strong_key("dev-only-insecure-key-set-SECRET_KEY-in-production")
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is too weak .16 characters."):
        strong_key("short-but-secret")
    (tmp_path / "secret_key").write_text("x" * 60)
    (tmp_path / "secret_key").chmod(0o600)
    with pytest.raises(ImproperlyConfigured, match=r"secret_key is too weak \(60 characters\)"):
        generated_key(tmp_path)
