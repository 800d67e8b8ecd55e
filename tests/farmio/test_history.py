"""The import's history (issue 19 after issue 20): new rows skip their insert triggers and get their events
set-based (``apps/audit/bulk.py``). The oracle is the triggers themselves: the same files imported into the
same empty database once through the triggers and once through the bulk path leave the same event rows in
every history table — ids, values, label, time, transaction, context — and so the same pages and answers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.audit.context import history_channel
from apps.audit.history import through, who
from apps.audit.models import (
    ContainerEvent,
    FeedingEventEvent,
    HistoryEvent,
    MortalityEventEvent,
    SiteEvent,
    TemperatureProfileDayEvent,
)
from apps.batch.models import MortalityEvent
from apps.demo.farm import demo_data_generate
from apps.farmio import kinds as K
from apps.farmio.exporting import export_folder
from apps.farmio.importing import path_import
from apps.farmio.models import ExternalId

pytestmark = pytest.mark.skipif(not settings.IS_POSTGRES, reason="history needs PostgreSQL triggers")

TODAY = dt.date(2025, 6, 1)


def _event_models() -> list[type[HistoryEvent]]:
    from django.apps import apps

    return [m for m in apps.get_app_config("audit").get_models() if issubclass(m, HistoryEvent)]


def _empty() -> None:
    """An empty database, its ids starting again from 1: the two runs give every row the same id."""
    tables = {k.model._meta.db_table for k in K.KINDS} | {m._meta.db_table for m in _event_models()}
    tables.add(ExternalId._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(t) for t in sorted(tables))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction: its deferred checks run now
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _stamps(model) -> list[str]:
    """The record's own time stamps (``auto_now``/``auto_now_add``): the import's clock, not the history's."""
    return [
        f.attname
        for f in model.pgh_tracked_model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


def _history() -> dict[str, list[dict]]:
    """Every event row by table, in event order; the context ids as the order in which each first appears.
    The records' time stamps differ between two imports (each writes its own time into the records): each
    insert event's stamps are checked against its record here, and left out of the comparison."""
    out = {}
    for model in _event_models():
        rows = list(model.objects.order_by("pgh_id").values())
        stamps = _stamps(model)
        if stamps:
            records = {r["id"]: r for r in model.pgh_tracked_model.objects.values("id", *stamps)}
            for row in rows:
                if row["pgh_label"] == "insert":
                    assert all(row[s] == records[row["pgh_obj_id"]][s] for s in stamps if "created" in s), row
        contexts: dict = {}
        for row in rows:
            row["pgh_context_id"] = contexts.setdefault(row["pgh_context_id"], len(contexts))
            for stamp in stamps:
                row[stamp] = row[stamp] is not None
        out[model._meta.db_table] = rows
    return out


#: file -> (column, new value) of its first row: records with a natural key, so the re-import updates them
CHANGES = {"containers.csv": ("volume_m3", "1234.50"), "temperature_profile_days.csv": ("temp_c", "17.5")}


def _changed(folder: Path, out: Path) -> Path:
    """The same files with a container's volume and a temperature profile's day changed."""
    out.mkdir()
    for path in folder.iterdir():
        text = path.read_text()
        if path.name in CHANGES:
            column, value = CHANGES[path.name]
            lines = text.splitlines(keepends=True)
            cells = next(csv.reader([lines[1]]))
            index = next(csv.reader([lines[0]])).index(column)
            assert cells[index] != value
            cells[index] = value
            row = io.StringIO()
            csv.writer(row).writerow(cells)
            lines[1] = row.getvalue()
            text = "".join(lines)
        (out / path.name).write_text(text, newline="")
    return out


def _import_twice(folder: Path, changed: Path, *, bulk: bool) -> dict[str, list[dict]]:
    _empty()
    with history_channel("command", command="import_farm"):  # what manage.py enters
        first = path_import(folder, dry_run=False, history_bulk=bulk)
        second = path_import(changed, dry_run=False, history_bulk=bulk)
    assert first.ok and second.ok, (first.problems, second.problems)
    assert second.counts["containers"]["updated"] == 1, second.counts
    assert second.counts["temperature_profile_days"]["updated"] == 1, second.counts
    return _history()


@pytest.mark.django_db
def test_the_bulk_history_of_an_import_is_the_triggers_history_row_for_row(tmp_path):
    demo_data_generate(seed=1, preset="small", today=TODAY, truth_out=None, world="model")
    folder = tmp_path / "farm"
    export_folder(folder)
    changed = _changed(folder, tmp_path / "changed")

    by_triggers = _import_twice(folder, changed, bulk=False)
    by_bulk = _import_twice(folder, changed, bulk=True)

    assert by_bulk.keys() == by_triggers.keys()
    for table, rows in by_triggers.items():
        assert len(by_bulk[table]) == len(rows), table
        for bulk_row, trigger_row in zip(by_bulk[table], rows):
            assert bulk_row == trigger_row, (table, {k for k in bulk_row if bulk_row[k] != trigger_row[k]})
    # and the history is complete: an "insert" per record of every kind, the context the command's
    inserted = sum(1 for rows in by_bulk.values() for r in rows if r["pgh_label"] == "insert")
    assert inserted == sum(k.model.objects.count() for k in K.KINDS) > 10_000
    assert MortalityEventEvent.objects.filter(pgh_label="insert").count() == MortalityEvent.objects.count()
    updates = list(ContainerEvent.objects.filter(pgh_label="update").values_list("volume_m3", "pgh_context"))
    assert [(str(v), c["channel"], c["command"], c["file"]) for v, c in updates] == [
        ("1234.50", "import", "import_farm", "containers.csv")
    ]
    old, new = ContainerEvent.objects.filter(pgh_obj_id=1).order_by("pgh_id")
    assert (old.pgh_label, new.pgh_label, str(new.volume_m3)) == ("insert", "update", "1234.50")
    assert old.volume_m3 != new.volume_m3
    assert TemperatureProfileDayEvent.objects.filter(pgh_label="update").count() == 1
    site = SiteEvent.objects.order_by("pgh_id").first()
    assert site.pgh_context == {"channel": "import", "command": "import_farm", "file": "sites.csv"}
    assert (who(site.pgh_context), through(site.pgh_context)) == ("the command import_farm", "import")
    feeding = FeedingEventEvent.objects.order_by("pgh_id").first()
    assert feeding.pgh_context["file"] == "feeding.csv" and feeding.pgh_label == "insert"
