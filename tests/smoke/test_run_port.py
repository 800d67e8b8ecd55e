"""``scripts/run.sh`` on a port that is taken (a second run in another terminal): it ends at once, before any setup,
with our own message naming the port and how to choose another (``PORT``), not Django's after the whole setup; a
``PORT`` that is not a port number is refused the same way."""

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(port: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORT": port, "AQUAMIND_VAR_DIR": str(var_dir)}
    return subprocess.run(["bash", "scripts/run.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_a_taken_port_ends_the_script_before_the_setup_with_a_clear_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run(str(port), tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert f"PORT={port % 65535 + 1} scripts/run.sh" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing installed, migrated or generated


def test_a_port_that_is_not_a_number_is_refused(tmp_path):
    for bad in ("http", "0", "70000", "80 80"):
        done = run(bad, tmp_path)
        assert done.returncode == 2 and "is not a port number" in done.stderr, (bad, done.stderr)
    assert list(tmp_path.iterdir()) == []
