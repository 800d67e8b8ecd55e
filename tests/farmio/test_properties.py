"""Property tests of the import (issue 19): random valid rows come back from an export as they went in; random
corruptions of a valid upload are reported (file, row, column) or imported whole, never an exception, never
half-saved."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.batch.models import Batch, BatchContainerAssignment, GrowthSample, MortalityEvent
from apps.farmio import kinds as K
from apps.farmio.exporting import kind_rows
from apps.farmio.importing import files_import
from apps.infrastructure.models import Site
from tests.farmio.helpers import SMALL_FARM, small_farm_files

pytestmark = pytest.mark.django_db(transaction=False)
CAUSES = ["UNKNOWN", "DISEASE", "HANDLING", "PREDATION", "ENVIRONMENT", "OTHER"]
PEN_DAYS = (dt.date(2025, 3, 1), dt.date(2025, 5, 31))
NO_DRAIN = {"rows": 0, "errors": 0}


@pytest.fixture
def small_farm(monkeypatch):
    monkeypatch.setattr("apps.farmio.importing.drain_marked", lambda batches, **kw: NO_DRAIN)  # records only
    assert files_import(small_farm_files(), dry_run=False).ok


def _rolled_back(check):
    """Run ``check`` in a savepoint that is rolled back: every example starts from the same farm."""
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


# a note starting with an apostrophe is read back without it when a formula character follows (the
# neutralisation's own ambiguity, docs/import-export.md "Formulas"); the strategy leaves such notes out
notes = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
death = st.tuples(
    st.dates(*PEN_DAYS),
    st.integers(1, 20),
    st.sampled_from(CAUSES),
    notes.filter(lambda t: t == t.strip() and not t.startswith("'")),
).filter(lambda d: d != (dt.date(2025, 3, 20), 5, "DISEASE", ""))  # identical to the farm's m2: that record


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deaths=st.lists(death, min_size=1, max_size=15, unique_by=lambda d: (d[0], d[1], d[2], d[3])))
def test_random_valid_rows_come_back_from_the_export_as_they_went_in(small_farm, deaths):
    header = ["external_id", "batch_number", "site", "container", "event_date", "count_fish", "cause", "notes"]
    rows = [
        [
            f"x{i}",
            "B1",
            "Sound",
            "Pen 1",
            day.isoformat(),
            str(n),
            cause,
            ("'" + note) if note.startswith(("=", "+", "-", "@")) else note,
        ]
        for i, (day, n, cause, note) in enumerate(deaths)
    ]

    def check():
        result = files_import([("mortality.csv", _csv(header, rows))], dry_run=False)
        assert result.ok, result.problems
        assert result.counts["mortality"]["created"] == len(rows)
        exported = {r[0]: r[1:] for r in kind_rows(K.BY_NAME["mortality"]) if r[0].startswith("x")}
        expected = {
            f"x{i}": ("B1", "Sound", "Pen 1", day, n, cause, note) for i, (day, n, cause, note) in enumerate(deaths)
        }
        assert exported == expected
        again = files_import([("mortality.csv", _csv(header, rows))], dry_run=False)
        assert again.counts["mortality"] == {"created": 0, "updated": 0, "unchanged": len(rows)}

    _rolled_back(check)


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


corruption = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 10_000), st.integers(0, 10_000), st.text(max_size=12)),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("twice"), st.integers(0, 10_000), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("bytes"), st.integers(0, 10_000), st.integers(0, 10_000), st.binary(min_size=1, max_size=8)),
)


def _corrupt(kind: str, how: tuple) -> bytes:
    what, a, b, text = how
    original = SMALL_FARM[kind]
    if what == "cell":
        rows = _cells(original)
        row = rows[a % len(rows)]
        row[b % len(row)] = text
        return _csv(rows[0], rows[1:])
    if what == "cut":
        return original.encode()[: a % max(len(original), 1)]
    if what == "twice":
        lines = original.splitlines(keepends=True)
        return "".join(lines + [lines[1 + a % (len(lines) - 1)]]).encode()
    data = original.encode()
    at = a % len(data)
    return data[:at] + text + data[at:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(SMALL_FARM)), how=corruption)
def test_random_corruptions_are_reported_or_imported_whole_never_half_saved(monkeypatch, kind, how):
    monkeypatch.setattr("apps.farmio.importing.drain_marked", lambda batches, **kw: NO_DRAIN)
    files = [(name, data if name != f"{kind}.csv" else _corrupt(kind, how)) for name, data in small_farm_files()]

    def check():
        result = files_import(files, dry_run=False)
        stored = (Site.objects.count(), Batch.objects.count(), BatchContainerAssignment.objects.count())
        if result.ok:
            assert result.written and Batch.objects.exists()
        else:
            assert stored == (0, 0, 0) and not MortalityEvent.objects.exists() and not GrowthSample.objects.exists()
            names = {name for name, _ in files}
            for problem in result.problems:
                assert problem.file.split(":")[0] in names and problem.row >= 0 and problem.reason

    _rolled_back(check)
