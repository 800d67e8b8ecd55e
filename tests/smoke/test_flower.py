"""Issue 16, item 8: Flower's /metrics asks for the same basic auth as its other pages (docker/flowerconfig.py,
which the image's flower role passes). A real Flower process on a free loopback port; its broker is a port
where nothing listens (Flower serves its pages without one)."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.integration.support import free_port

ROOT = Path(__file__).resolve().parents[2]
AUTH = "ops:flower-test-password"


def status(url: str, auth: str | None = None) -> int:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def flower(tmp_path):
    port = free_port()
    env = {
        **os.environ, "SECRET_KEY": secrets.token_urlsafe(50), "AQUAMIND_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }  # fmt: skip
    command = [
        str(Path(sys.executable).parent / "celery"), "-A", "aquamind", "flower", "--address=127.0.0.1", f"--port={port}",
        f"--basic-auth={AUTH}", "--conf=docker/flowerconfig.py",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:  # until it answers (its start takes a few seconds; a busy machine, longer)
            try:
                if status(url + "/healthcheck") == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"Flower did not start: {process.stderr.read()[-2000:] if process.poll() is not None else 'timeout'}"
                )
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_flower_metrics_ask_for_the_basic_auth_like_every_other_page(flower):
    assert status(flower + "/metrics") == 401
    assert status(flower + "/metrics", auth="ops:wrong") == 401
    assert status(flower + "/metrics", auth=AUTH) == 200
    assert status(flower + "/") == 401
    assert status(flower + "/healthcheck") == 200  # open, and says only "OK": the image's health check
