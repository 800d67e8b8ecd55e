"""compose.prod.yaml brought up by podman-compose with a .env made from .env.example, scaled to three workers,
and down again, against this session's PostgreSQL database and Redis (tests/containers/compose.host-network.yaml
puts the AquaMind services on the host network; the bundled postgres/redis profile and compose.nginx.yaml stay
off: no registry here). Every variable .env.example sets reaches the web container, and Django reads it."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.containers.podman import TEST_SECRET_KEY, Api, podman
from tests.integration.support import free_port

ROOT = Path(__file__).resolve().parents[2]
FILES = ["-f", "compose.prod.yaml", "-f", "compose.host-network.yaml"]
PODMAN_COMPOSE = [sys.executable, "-m", "podman_compose"]


# values other than .env.example's, to tell that the file's values arrive (not a default anywhere)
DISTINCT = {
    "TIME_ZONE": "Atlantic/Faroe", "LOGIN_FAILURE_LIMIT": "7", "LOGIN_FAILURE_LIMIT_PER_IP": "70",
    "LOGIN_TRUSTED_SECONDS": "86400", "THROTTLE_TOKEN_IP_RATE": "40/min", "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true", "SECURE_HSTS_SECONDS": "60", "SWEEPER_MIN_AGE_SECONDS": "31",
}  # fmt: skip
SETTINGS_PROBE = """import django, json; django.setup(); from django.conf import settings as s
print(json.dumps([s.TIME_ZONE, s.LOGIN_FAILURE_LIMIT, s.LOGIN_FAILURE_LIMIT_PER_IP, s.LOGIN_TRUSTED_SECONDS,
    s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_ip"], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,
    s.SECURE_HSTS_SECONDS, s.SWEEPER_MIN_AGE_SECONDS, s.SECRET_KEY_SOURCE]))"""


def env_example() -> dict[str, str]:
    """The variables .env.example sets, with its values."""
    pairs = (
        re.fullmatch(r"([A-Z][A-Z0-9_]*)=(\S*)(\s+#.*)?", line)
        for line in (ROOT / ".env.example").read_text().splitlines()
    )
    return {m.group(1): m.group(2) for m in pairs if m}


class Project:
    """compose.prod.yaml in a folder of its own with its .env: .env.example's values, DISTINCT's and ``env``'s."""

    def __init__(self, env: dict[str, str], directory: Path):
        self.name = f"ctc{uuid.uuid4().hex[:6]}"
        self.directory = directory
        shutil.copy(ROOT / "compose.prod.yaml", directory)
        shutil.copy(ROOT / "tests" / "containers" / "compose.host-network.yaml", directory)
        self.dotenv = {**env_example(), **DISTINCT, **env}
        (directory / ".env").write_text("".join(f"{name}={value}\n" for name, value in self.dotenv.items()))
        self.env = {**os.environ, **env}

    def compose(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*PODMAN_COMPOSE, "-p", self.name, *FILES, *args],
            cwd=self.directory, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, f"podman-compose {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def containers(self, service: str | None = None, *, running: bool = True) -> list[str]:
        filters = ["--filter", f"label=io.podman.compose.project={self.name}"]
        if service:
            filters += ["--filter", f"label=io.podman.compose.service={service}"]
        if running:
            filters += ["--filter", "status=running"]
        return podman("ps", "-a", *filters, "--format", "{{.Names}}").stdout.split()

    def remove_leftovers(self) -> None:
        for name in self.containers(running=False):
            podman("rm", "-f", "-t", "5", name, check=False)
        podman("pod", "rm", "-f", f"pod_{self.name}", check=False)


@pytest.fixture
def project(image, databases, redis_server, tmp_path):
    redis_server.client().flushall()  # the session's own Redis: nothing left over from the stack tests
    web_port, flower_port = free_port(), free_port()
    project = Project(
        {
            "AQUAMIND_IMAGE": image,
            "SECRET_KEY": TEST_SECRET_KEY,
            "DATABASE_URL": databases.url(databases.create("compose")),
            "CELERY_BROKER_URL": redis_server.url,
            "REDIS_URL": redis_server.url,
            "FLOWER_BASIC_AUTH": "ops:flower-test-password",
            "WEB_PORT": str(web_port),
            "FLOWER_PORT": str(flower_port),
        },
        tmp_path,
    )
    project.web = Api(f"http://127.0.0.1:{web_port}")
    project.flower_url = f"http://127.0.0.1:{flower_port}"
    yield project
    project.remove_leftovers()


def _status(url: str, auth: str | None = None) -> int:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_for(check, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(1)


def test_compose_prod_comes_up_with_every_setting_of_env_scales_to_three_workers_and_goes_down(project):
    project.compose("up", "-d")
    _wait_for(lambda: project.web.request("GET", "/health/")[0] == 200 if _up(project) else False, "/health/ 200")
    _assert_every_setting_reached_web(project)
    assert len(project.containers("worker")) == 2  # WORKER_REPLICAS' default
    assert len(project.containers("beat")) == 1
    assert _status(project.flower_url + "/") == 401  # Flower asks for its basic auth
    assert _status(project.flower_url + "/", auth=project.env["FLOWER_BASIC_AUTH"]) == 200
    assert _status(project.flower_url + "/metrics") == 401  # docker/flowerconfig.py: /metrics too
    assert _status(project.flower_url + "/metrics", auth=project.env["FLOWER_BASIC_AUTH"]) == 200

    project.compose("up", "-d", "--scale", "worker=3")
    _wait_for(lambda: len(project.containers("worker")) == 3, "three running workers")
    for name in project.containers("worker"):
        _wait_for(lambda: " ready." in _logs(name), f"{name} ready", timeout=90)  # noqa: B023 -- waited for here
    assert len(project.containers("beat")) == 1  # scaling workers leaves beat alone: exactly one
    assert project.web.request("GET", "/health/")[0] == 200

    project.compose("down", "-t", "10", env={"WORKER_REPLICAS": "3"})
    assert project.containers(running=False) == []


def _assert_every_setting_reached_web(project: Project) -> None:
    [web] = project.containers("web")
    environment = dict(line.split("=", 1) for line in podman("exec", web, "env").stdout.splitlines() if "=" in line)
    expected = {**project.dotenv, "PORT": project.dotenv["WEB_PORT"]}  # compose.prod.yaml: gunicorn on WEB_PORT
    assert {name: environment.get(name) for name in expected} == expected
    seen = json.loads(podman("exec", web, "python", "-c", SETTINGS_PROBE).stdout)
    assert seen == ["Atlantic/Faroe", 7, 70, 86400, "40/min", True, True, 60, 31, "environment"]


def _logs(name: str) -> str:
    result = podman("logs", name, check=False)
    return result.stdout + result.stderr  # Celery logs to stderr


def _up(project: Project) -> bool:
    try:
        project.web.wait_until_up(timeout=1)
        return True
    except OSError:
        return False
