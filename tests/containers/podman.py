"""Containers of the AquaMind image run by podman on the host network, for the container tier.

Every container of a test session is named ``<prefix>-<role>`` and removed at the end. The stack talks to a
PostgreSQL database and a Redis server that belong to the session alone (``conftest``), so nothing here
touches the machine's own Redis or any other database.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

PODMAN = shutil.which("podman")
IMAGE = os.environ.get("AQUAMIND_IMAGE", "aquamind:test")
# a fresh random key per run (production mode and the image refuse a missing or weak one)
TEST_SECRET_KEY = secrets.token_urlsafe(50)


def podman(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``podman ARGS``; stdout and stderr captured as text (podman's systemd warnings go to stderr)."""
    result = subprocess.run([PODMAN, *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@dataclass
class Stack:
    """The AquaMind roles as containers of one image, configured by ``env`` (DATABASE_URL, broker, ...)."""

    env: dict[str, str]
    image: str = IMAGE
    prefix: str = field(default_factory=lambda: f"ct-{uuid.uuid4().hex[:6]}")
    names: list[str] = field(default_factory=list)

    def _env_args(self, extra: dict[str, str] | None = None) -> list[str]:
        merged = {**self.env, **(extra or {})}
        return [arg for name, value in merged.items() for arg in ("-e", f"{name}={value}")]

    def run_once(self, *command: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        """A one-off container (``migrate``, ``manage ...``), removed when it exits."""
        return podman(
            "run", "--rm", "--network", "host", *self._env_args(), self.image, *command, timeout=timeout, check=check
        )

    def start(self, role: str, name: str, *args: str, env: dict[str, str] | None = None) -> str:
        """A long-running container ``<prefix>-<name>`` of ``role``; its host name is its name, so each
        worker has its own Celery node name on the shared host network."""
        full = f"{self.prefix}-{name}"
        podman(
            "run", "-d", "--name", full, "--hostname", full, "--network", "host",
            *self._env_args(env), self.image, role, *args,
        )  # fmt: skip
        self.names.append(full)
        return full

    def exec(self, name: str, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        return podman("exec", f"{self.prefix}-{name}", *command, check=check)

    def kill(self, name: str) -> None:
        podman("kill", f"{self.prefix}-{name}")

    def running(self, name: str) -> bool:
        result = podman("inspect", "--format", "{{.State.Running}}", f"{self.prefix}-{name}", check=False)
        return result.stdout.strip() == "true"

    def healthy(self, name: str) -> bool:
        """The image's HEALTHCHECK, run once now (podman schedules it with systemd timers, absent here)."""
        return podman("healthcheck", "run", f"{self.prefix}-{name}", check=False).returncode == 0

    def logs(self, name: str, tail: int = 60) -> str:
        result = podman("logs", "--tail", str(tail), f"{self.prefix}-{name}", check=False)
        return result.stdout + result.stderr

    def wait_for_log(self, name: str, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.logs(name, tail=400):
            if not self.running(name) or time.monotonic() > deadline:
                raise AssertionError(f"{name} never logged {text!r}:\n{self.logs(name)}")
            time.sleep(0.5)

    def remove_all(self) -> None:
        for name in reversed(self.names):
            podman("rm", "-f", "-t", "5", name, check=False)
        self.names.clear()


class Api:
    """A small JSON client of the web container's API (token auth)."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def get(self, path: str) -> dict:
        status, body = self.request("GET", path)
        assert status == 200, (path, status, body)
        return body

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base_url + "/health/", timeout=5)
                return
            except urllib.error.HTTPError:
                return  # it answers (a 503 names the part that is down)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
