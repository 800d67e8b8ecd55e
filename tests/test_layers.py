"""The import contract of the layers (docs/architecture.md, "Layers"), read from the source with ``ast``.

Lowest first: ``aquamind/`` (settings helpers, domain bounds, shared admin helpers, errors), the pure engines,
the domain apps in their own order, forecast, planning, the recompute pipeline above them, then the API and
the pages. An app may import its own layer and the ones below it, never one above it, and no file may
take part in an import circle. The demo farm writes domain records but nothing imports it except its commands,
the forecast backtest's command, the benchmarks and the tests.

Run alone: ``python -m pytest tests/test_layers.py -q`` (no database, no Django set-up needed).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(os.environ.get("AQUAMIND_LAYERS_ROOT") or Path(__file__).resolve().parents[1])

#: the project's wiring in ``aquamind/``: it sits on top (urls import every app, health reads the recompute)
WIRING = {
    "aquamind",
    "aquamind.settings",
    "aquamind.urls",
    "aquamind.wsgi",
    "aquamind.asgi",
    "aquamind.celery",
    "aquamind.health",
}
ENGINES = ("apps.batch.engine", "apps.forecast.engine")
#: the farm's records, lowest first: each may import the ones before it
DOMAIN = ("infrastructure", "access", "scenario", "environmental", "health", "inventory", "batch")
ABOVE_DOMAIN = {
    "audit": set(),  # the history: it tracks the domain's tables; everything above may name who wrote
    "forecast": {"audit"},
    "planning": {"audit", "forecast"},
    "alerts": {"audit", "forecast", "planning"},
    "recompute": {"audit", "forecast", "planning", "alerts"},
    "farmio": {"audit", "forecast", "planning", "recompute"},
    "reports": {"audit"},  # reads the daily states and the events; the pages and the API show it
    "demo": set(),
    "web": {"audit", "forecast", "planning", "recompute", "alerts", "farmio", "reports"},
    "api": {"audit", "forecast", "planning", "recompute", "farmio", "web", "alerts", "reports"},
}
#: the only modules of apps/ that may import the demo farm, besides the demo app itself
DEMO_USERS = {"apps.forecast.management.commands.backtest_forecast"}


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("apps", "aquamind"):
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module ``name`` stands for (a package's ``__init__`` or a file), None outside the project."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, *, runtime_only: bool) -> set[str]:
    """Every module ``module`` imports, at module level or inside functions (third-party ones by their name)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _type_checking(node):
                skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:  # ``from package import module`` imports the module, not the package
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    resolved = set()
    for name in names:
        target = _resolve(name) if name.split(".")[0] in ("apps", "aquamind") else name.split(".")[0]
        if target and target != module:
            resolved.add(target)
    return resolved


def _layer(module: str) -> str:
    if module.startswith("aquamind") or module == "apps":
        return "wiring" if module in WIRING else "base"
    if module.startswith(ENGINES):
        return "engine"
    return module.split(".")[1]


def _allowed(importer: str, target: str) -> bool:
    here, there = _layer(importer), _layer(target)
    if there == "demo":
        return here in ("demo", "wiring") or importer in DEMO_USERS
    if here == "wiring" or there in ("base", here):
        return True
    if here == "base":
        return False
    if here == "engine":
        return there == "engine"
    if there == "engine":
        return True
    if here in DOMAIN:
        return there in DOMAIN and DOMAIN.index(there) < DOMAIN.index(here)
    return there in DOMAIN or there in ABOVE_DOMAIN[here]


def layer_violations() -> list[str]:
    found = []
    for module in sorted(MODULES):
        for target in sorted(_imports(module, runtime_only=False)):
            if target.startswith(("apps", "aquamind")) and not _allowed(module, target):
                found.append(f"{module} ({_layer(module)}) imports {target} ({_layer(target)})")
    return found


def engine_imports_outside() -> list[str]:
    """Third-party or project imports of the engines (the standard library is all they may use)."""
    return sorted(
        f"{module} imports {target}"
        for module in MODULES
        if _layer(module) == "engine"
        for target in _imports(module, runtime_only=False)
        if not target.startswith(ENGINES)
        and (target.startswith(("apps", "aquamind")) or target in ("django", "rest_framework", "celery"))
    )


def import_circles() -> list[list[str]]:
    """The strongly connected groups of more than one file in the runtime import graph (Tarjan)."""
    graph = {m: sorted(t for t in _imports(m, runtime_only=True) if t in MODULES) for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # recursive: the graph is a few hundred files deep at most
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def test_no_app_imports_a_layer_above_it():
    assert layer_violations() == []


def test_the_engines_import_nothing_of_django_or_the_project():
    assert engine_imports_outside() == []


def test_no_file_takes_part_in_an_import_circle():
    assert import_circles() == []


def test_the_contract_sees_a_violation_when_one_is_there():
    """The rules are not vacuous: a domain app importing the recompute, or the batch app importing the
    forecast, would be refused."""
    assert not _allowed("apps.batch.services.loading", "apps.recompute.reach")
    assert not _allowed("apps.batch.services.recompute", "apps.forecast.services")
    assert not _allowed("apps.forecast.services", "apps.planning.services.templates")
    assert not _allowed("apps.forecast.services", "apps.recompute.markers")
    assert not _allowed("apps.audit.models", "apps.recompute.markers")
    assert not _allowed("apps.batch.services.saving", "apps.audit.recording")
    assert not _allowed("apps.api.views.batches", "apps.demo.farm")
    assert _allowed("apps.recompute.run", "apps.planning.services.templates")
    assert _allowed("apps.demo.farm.writer", "apps.batch.models")
