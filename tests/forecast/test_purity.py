"""The forecast engine is pure like the growth engine: no Django, no clock; it may use the growth engine only."""

import ast
from pathlib import Path

from tests.engine.test_purity import CLOCK_CALLS, imported_names

ENGINE = Path(__file__).resolve().parents[2] / "apps" / "forecast" / "engine"


def modules():
    found = sorted(ENGINE.rglob("*.py"))
    assert len(found) >= 4
    return [(path, ast.parse(path.read_text(), filename=str(path))) for path in found]


def test_no_forecast_engine_module_imports_django_or_project_code_beyond_the_engines():
    for path, tree in modules():
        foreign = [
            n
            for n in imported_names(tree)
            if (n == "django" or n.startswith(("django.", "apps.", "aquamind")))
            and not n.startswith(("apps.forecast.engine", "apps.batch.engine"))
        ]
        assert foreign == [], f"{path.name} imports {foreign}"


def test_no_forecast_engine_module_reads_the_clock():
    for path, tree in modules():
        calls = [
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_CALLS
        ]
        assert calls == [], f"{path.name} calls {calls}"
