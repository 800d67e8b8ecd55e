"""compose.prod.yaml brought up by podman-compose, scaled to three workers, and down again, against this
session's PostgreSQL database and Redis (tests/containers/compose.host-network.yaml puts the AquaMind
services on the host network; the bundled postgres/redis and nginx profiles stay off: no registry here)."""
from __future__ import annotations

import base64
import os
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
FILES = ["-f", "compose.prod.yaml", "-f", "tests/containers/compose.host-network.yaml"]
PODMAN_COMPOSE = [sys.executable, "-m", "podman_compose"]


class Project:
    def __init__(self, env: dict[str, str]):
        self.name = f"ctc{uuid.uuid4().hex[:6]}"
        self.env = {**os.environ, **env}

    def compose(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*PODMAN_COMPOSE, "-p", self.name, *FILES, *args],
            cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=600,
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
def project(image, databases, redis_server):
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
        }
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


def test_compose_prod_comes_up_scales_to_three_workers_and_goes_down(project):
    project.compose("up", "-d")
    _wait_for(lambda: project.web.request("GET", "/health/")[0] == 200 if _up(project) else False, "/health/ 200")
    assert len(project.containers("worker")) == 2  # WORKER_REPLICAS' default
    assert len(project.containers("beat")) == 1
    assert _status(project.flower_url + "/") == 401  # Flower asks for its basic auth
    assert _status(project.flower_url + "/", auth=project.env["FLOWER_BASIC_AUTH"]) == 200

    project.compose("up", "-d", "--scale", "worker=3")
    _wait_for(lambda: len(project.containers("worker")) == 3, "three running workers")
    for name in project.containers("worker"):
        _wait_for(lambda: " ready." in _logs(name), f"{name} ready", timeout=90)  # noqa: B023 -- waited for here
    assert len(project.containers("beat")) == 1  # scaling workers leaves beat alone: exactly one
    assert project.web.request("GET", "/health/")[0] == 200

    project.compose("down", "-t", "10", env={"WORKER_REPLICAS": "3"})
    assert project.containers(running=False) == []


def _logs(name: str) -> str:
    result = podman("logs", name, check=False)
    return result.stdout + result.stderr  # Celery logs to stderr


def _up(project: Project) -> bool:
    try:
        project.web.wait_until_up(timeout=1)
        return True
    except OSError:
        return False
