"""The README's first command, as a newcomer runs it (without the web server at the end): it installs,
migrates, generates the demo farm once, computes its daily states and creates the demo login."""

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not settings.AQUAMIND_EMBEDDED, reason="runs in the embedded mode (no CELERY_BROKER_URL)"
)


def run_setup(var_dir: Path) -> str:
    # no SECRET_KEY either: the embedded mode generates the instance's key (aquamind/secret_key.py)
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY"}
    }
    env["AQUAMIND_VAR_DIR"] = str(var_dir)
    done = subprocess.run(
        ["bash", "scripts/run.sh", "--setup-only"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def counts(var_dir: Path) -> tuple[int, int, int, int]:
    with sqlite3.connect(var_dir / "aquamind.sqlite3") as db:
        return tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("batch_batch", "batch_actualdailyassignmentstate", "auth_user", "infrastructure_site")
        )


def test_run_script_sets_up_the_demo_farm_once_with_its_daily_states(tmp_path):
    first = run_setup(tmp_path)
    assert "generating demo data" in first
    batches, states, users, sites = counts(tmp_path)
    assert batches > 0 and states > 0 and users == 1 + sites  # demo, and one operator per site (docs/access.md)
    key = (tmp_path / "secret_key").read_text()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600

    second = run_setup(tmp_path)
    assert f"database has {batches} batches: no demo data generated" in second
    assert counts(tmp_path) == (batches, states, users, sites)
    assert (tmp_path / "secret_key").read_text() == key  # the same key: sessions survive a restart
