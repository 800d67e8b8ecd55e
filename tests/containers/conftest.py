"""The container tier: the AquaMind image built by scripts/test-containers.sh, run by podman.

Skipped unless ``AQUAMIND_CONTAINER_TESTS=require`` (then a missing podman or image is a failure, not a
skip). The containers run on the host network against a fresh PostgreSQL database of this session on the
machine's server and a throw-away ``redis-server`` of this session on a free port: no registry image of
PostgreSQL or Redis can be pulled here, and the machine's own Redis must never be flushed or stopped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.containers.podman import IMAGE, PODMAN, podman
from tests.integration.support import REDIS_SERVER, RedisServer

REQUIRED = os.environ.get("AQUAMIND_CONTAINER_TESTS", "") == "require"
HERE = Path(__file__).parent
# the machine's PostgreSQL (trust auth); the tier creates and drops its own databases there
SERVER_URL = os.environ.get("AQUAMIND_CT_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="container tier: set AQUAMIND_CONTAINER_TESTS=require (scripts/test-containers.sh)")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.containers)
            if not REQUIRED:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def image() -> str:
    if not PODMAN:
        pytest.fail("podman is not installed (scripts/test-containers.sh installs it)")
    if podman("image", "exists", IMAGE, check=False).returncode != 0:
        pytest.fail(f"image {IMAGE} does not exist: build it with scripts/container-image.sh {IMAGE}")
    return IMAGE


def _admin(sql: str) -> None:
    with psycopg.connect(SERVER_URL + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


class Databases:
    """Databases this session creates on the machine's PostgreSQL, all dropped at the end."""

    def __init__(self):
        self.names: list[str] = []

    def create(self, label: str) -> str:
        name = f"aquamind_ct_{label}_{uuid.uuid4().hex[:6]}"
        _admin(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return name

    @staticmethod
    def url(name: str) -> str:
        return f"{SERVER_URL}/{name}"

    def drop_all(self) -> None:
        for name in self.names:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases():
    pool = Databases()
    yield pool
    pool.drop_all()


@pytest.fixture(scope="session")
def redis_server():
    if not REDIS_SERVER:
        pytest.fail("the container tier starts its own redis-server: it is not installed")
    server = RedisServer(Path(tempfile.mkdtemp(prefix="aquamind-ct-redis-")))
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


def wait_until_drained(database_url: str, redis_server: RedisServer, *, timeout: float = 180) -> None:
    """No unparked recompute marker and no queued message, seen on three polls in a row."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3:
        with psycopg.connect(database_url) as conn:
            markers = conn.execute("SELECT count(*) FROM batch_recomputemarker WHERE parked_at IS NULL").fetchone()[0]
        queued = redis_server.client().llen("celery")
        quiet = quiet + 1 if markers == queued == 0 else 0
        if time.monotonic() > deadline:
            raise AssertionError(f"not drained after {timeout} s: {markers} markers, {queued} queued messages")
        time.sleep(0.5)
