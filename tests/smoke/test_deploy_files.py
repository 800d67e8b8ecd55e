"""The deployment files agree with each other: every variable the compose files and the image's scripts read
is documented in .env.example, and the compose files keep the promises of docs/operations.md."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = ("compose.yaml", "compose.prod.yaml")


def _documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def _compose_variables(name: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / name).read_text()))


def _script_variables(name: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker" / name).read_text())) - {"PATH"}


def test_every_variable_of_the_compose_files_and_the_entrypoint_is_in_env_example():
    used = set().union(*map(_compose_variables, COMPOSE_FILES), _script_variables("entrypoint.sh"))
    assert used - _documented() == set()


def test_compose_prod_runs_beat_once_migrate_once_and_workers_after_migrate():
    services = yaml.safe_load((ROOT / "compose.prod.yaml").read_text())["services"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("web", "worker", "flower"):
        assert services[name]["healthcheck"]["test"] == ["CMD", "/app/docker/healthcheck.sh"]
        assert services[name]["deploy"]["resources"]["limits"]
    assert {"postgres", "redis", "nginx"} <= set(services)
    assert services["postgres"]["profiles"] == ["bundled"] and services["nginx"]["profiles"] == ["nginx"]
