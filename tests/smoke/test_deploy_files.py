"""The deployment files agree with each other: every variable the compose files and the image's scripts read
is documented in .env.example, every variable .env.example sets reaches the containers of compose.prod.yaml
unchanged, and the compose files keep the promises of docs/operations.md."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = ("compose.yaml", "compose.prod.yaml", "compose.nginx.yaml")
APP_SERVICES = ("migrate", "web", "worker", "beat", "flower")
# what compose.prod.yaml sets itself: the five it requires, and web's port (the one compose publishes)
REQUIRED = {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "FLOWER_BASIC_AUTH"}


class ComposeLoader(yaml.SafeLoader):
    """YAML as compose reads it: ``!reset`` empties a value of the file below."""


ComposeLoader.add_constructor("!reset", lambda loader, node: None)


def _compose(name: str) -> dict:
    return yaml.load((ROOT / name).read_text(), Loader=ComposeLoader)


def _set_in_env_example() -> dict[str, str]:
    """The variables .env.example sets (uncommented lines), with their values as compose reads them."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = [re.fullmatch(r"([A-Z][A-Z0-9_]*)=(\S*)(\s+#.*)?", line) for line in lines]
    return {m.group(1): m.group(2) for m in pairs if m}


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
    assert services["postgres"]["profiles"] == ["bundled"] and services["redis"]["profiles"] == ["bundled"]


def test_every_variable_env_example_sets_reaches_every_aquamind_container_unchanged():
    services = _compose("compose.prod.yaml")["services"]
    variables = _set_in_env_example()
    assert len(variables) > 60 and {
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "THROTTLE_NUM_PROXIES",
        "LOGIN_FAILURE_LIMIT_PER_IP",
    } <= set(variables)
    for name in APP_SERVICES:
        assert services[name]["env_file"] == ".env", name  # a copy of .env.example, every line of it
        own = services[name].get("environment", {})
        # nothing else set by compose.prod.yaml shadows a value of .env with a default of its own
        assert set(own) <= REQUIRED | {"PORT"}, name
        for variable in set(own) & REQUIRED:
            assert own[variable].startswith(f"${{{variable}:?"), (name, variable)
    assert services["web"]["environment"]["PORT"] == "${WEB_PORT:-8000}"


def test_behind_nginx_web_counts_one_proxy_and_is_reachable_only_through_it():
    override = _compose("compose.nginx.yaml")["services"]
    assert override["web"]["environment"] == {"THROTTLE_NUM_PROXIES": "1", "FORWARDED_ALLOW_IPS": "*"}
    assert override["web"]["ports"] is None  # !reset: web is not published
    assert override["nginx"]["volumes"] == ["./docker/nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
    nginx = (ROOT / "docker" / "nginx.conf").read_text()
    # the address nginx sees, not one the client wrote: X-Forwarded-For has exactly one entry
    assert re.search(r"^\s*proxy_set_header X-Forwarded-For \$remote_addr;", nginx, flags=re.MULTILINE)
