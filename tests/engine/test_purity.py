"""The engine is a pure function: no Django, no clock (docs/engine.md, introduction)."""

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "apps" / "batch" / "engine"
CLOCK_CALLS = {"today", "now", "utcnow", "time", "monotonic", "perf_counter"}


def engine_modules():
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) >= 8
    return [(path, ast.parse(path.read_text(), filename=str(path))) for path in modules]


def imported_names(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_no_engine_module_imports_django():
    for path, tree in engine_modules():
        django = [n for n in imported_names(tree) if n == "django" or n.startswith("django.")]
        assert django == [], f"{path.name} imports {django}"


def test_no_engine_module_imports_other_project_code_or_settings():
    for path, tree in engine_modules():
        foreign = [
            n
            for n in imported_names(tree)
            if n.startswith(("apps.", "aquamind")) and not n.startswith("apps.batch.engine")
        ]
        assert foreign == [], f"{path.name} imports {foreign}"


def test_no_engine_module_reads_the_clock():
    for path, tree in engine_modules():
        calls = [
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_CALLS
        ]
        assert calls == [], f"{path.name} calls {calls}"
