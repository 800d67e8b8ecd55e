"""A throw-away PostgreSQL server for the tests that stop and crash the database (never the machine's own).

``PostgresServer(directory)`` runs ``initdb`` into ``directory`` (as the ``postgres`` user when this process is
root: initdb refuses root), then ``start()``, ``stop(mode)`` (``fast``: the server ends every session and shuts
down cleanly; ``immediate``: a crash, recovered from the WAL at the next start) and ``remove()``, all with the
``pg_ctl`` of the newest PostgreSQL in /usr/lib/postgresql. It listens on a free port of 127.0.0.1 only, with
its socket in its own directory; ``fsync`` is off (a crash of the server process still loses no committed
write: the kernel keeps what it was given).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

from tests.integration.support import free_port

START_TIMEOUT_SECONDS = 60


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.bin = binaries()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(directory, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> str:
        done = subprocess.run(
            [*self.as_user, str(self.bin / tool), *args],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_SECONDS + 30,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> None:
        """Start it and wait until it accepts connections (after a crash: until recovery is done)."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off -c max_connections=40"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"), "-o", options, "-w",
                  "-t", str(START_TIMEOUT_SECONDS), "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_up(self) -> bool:
        try:
            with psycopg.connect(self.url(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def execute(self, sql: str, database: str = "postgres", *, autocommit: bool = True) -> list[tuple]:
        with psycopg.connect(self.url(database), autocommit=autocommit, connect_timeout=5) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
        deadline = time.monotonic() + 10
        while self.is_up() and time.monotonic() < deadline:
            time.sleep(0.1)
