"""docs/import-export.md documents every file kind and every column of it (the docs stay true)."""

from __future__ import annotations

import re
from pathlib import Path

from apps.farmio import kinds as K

DOC = (Path(__file__).resolve().parents[2] / "docs" / "import-export.md").read_text()


def _section(kind: str) -> str:
    match = re.search(rf"^### \d+\. `{kind}`\n(.*?)(?=^### |\Z)", DOC, re.S | re.M)
    assert match, f"no section for {kind}"
    return match.group(1)


def test_every_kind_and_column_is_documented_with_its_template_header():
    for kind in K.FILE_KINDS:
        section = _section(kind.name)
        for column in kind.header:
            assert f"| `{column}` |" in section, (kind.name, column)
        assert ",".join(kind.header) in section, kind.name
