"""A throw-away RabbitMQ node for the broker-outage test on RabbitMQ (``AQUAMIND_IT_BROKER=rabbitmq-throwaway``).

Its own node name, AMQP and distribution ports (free ones), its own data, log and cookie directory, no
plugins: the machine's RabbitMQ is never touched. ``stop()`` then ``start()`` brings it back on the same
port with its data (the session queue survives, as on a restarted server).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"  # the script itself, not Debian's wrapper (which
# switches to the rabbitmq user and its cookie)
START_TIMEOUT_SECONDS = 60


def available() -> bool:
    return Path(RABBITMQ_SERVER).exists()


class RabbitMQServer:
    def __init__(self, directory: Path, *, port: int, dist_port: int):
        self.directory = directory
        self.port = port
        self.dist_port = dist_port
        self.node = f"aquamind-it-{uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen | None = None
        for sub in ("home", "mnesia", "log"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / "plugins").write_text("[].\n")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> dict[str, str]:
        d = self.directory
        return {
            **os.environ,
            "HOME": str(d / "home"),  # its own Erlang cookie
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(d / "mnesia"),
            "RABBITMQ_LOG_BASE": str(d / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "plugins"),
            "RABBITMQ_PID_FILE": str(d / "pid"),
            "RABBITMQ_CONFIG_FILE": str(d / "no-config"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(d / "no-advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(d / "no-env"),
        }

    def is_up(self) -> bool:
        from kombu import Connection

        try:
            with Connection(self.url, connect_timeout=1) as conn:
                conn.ensure_connection(max_retries=0)
            return True
        except Exception:
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if not self.running():
            self.process = subprocess.Popen(
                [RABBITMQ_SERVER], env=self._env(), cwd=self.directory, start_new_session=True,
                stdout=open(self.directory / "server.log", "a"), stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.is_up():
            if not self.running() or time.monotonic() > deadline:
                log = (self.directory / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the throw-away RabbitMQ on port {self.port} did not come up:\n{log}")
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM to its process group (an orderly stop), and wait until the port refuses."""
        if self.running():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.is_up() and time.monotonic() < deadline:
            time.sleep(0.1)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
