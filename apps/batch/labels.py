"""How every page, form, filter and API display field names an assignment (no imports: models use it)."""

from __future__ import annotations

import datetime as dt


def assignment_label(container: str, site: str, start: dt.date, end: dt.date | None) -> str:
    """ "Pen 02 · Viðvík · 2025-04-10 → now": the container, its site, the first day and the departure day."""
    return f"{container} · {site} · {start.isoformat()} → {end.isoformat() if end else 'now'}"
