"""Write a farm's history as the files the import reads (docs/import-export.md): one ``<kind>.csv`` per kind in a
folder, or one ``.xlsx`` workbook with a sheet per kind, through ``aquamind.tabular`` (streamed, formulas
neutralised). Rows come in a stable order (by natural key) and carry the external id a record was imported
with, if any; a record made in AquaMind has none, and a re-import finds it by its natural key or as identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from apps.batch.models import Batch
from apps.farmio import kinds as K
from apps.farmio.models import ExternalId
from aquamind.tabular import csv_stream, xlsx_write

#: the order rows are written in: the natural keys, so two exports of the same records are the same files
ORDERING = {
    "sites": ("name",),
    "containers": ("site__name", "name"),
    "species": ("name",),
    "lifecycle_stages": ("species__name", "order"),
    "feeds": ("name",),
    "environmental_parameters": ("code",),
    "temperature_profiles": ("name",),
    "temperature_profile_days": ("profile__name", "day_number"),
    "tgc_models": ("name",),
    "tgc_stage_overrides": ("model__name", "lifecycle_stage__order"),
    "mortality_models": ("name",),
    "mortality_stage_overrides": ("model__name", "lifecycle_stage__order"),
    "fcr_models": ("name",),
    "fcr_model_stages": ("model__name", "lifecycle_stage__order"),
    "batches": ("batch_number",),
    "scenarios": ("created_at", "id"),  # the newest last: a batch computes with its newest scenario
    "assignments": ("batch__batch_number", "assignment_date", "container__site__name", "container__name", "id"),
    "transfers": ("source_assignment__batch__batch_number", "actual_execution_date", "planned_date", "id"),
    "growth_samples": ("assignment__batch__batch_number", "sample_date", "assignment__container__name", "id"),
    "mortality": ("assignment__batch__batch_number", "event_date", "assignment__container__name", "id"),
    "feeding": ("assignment__batch__batch_number", "feeding_date", "assignment__container__name", "id"),
    "treatments": ("assignment__batch__batch_number", "treatment_date", "id"),
    "environmental_readings": ("container__site__name", "container__name", "reading_time", "id"),
    "planned_activities": ("batch__batch_number", "due_date", "id"),
}


def kind_rows(kind: K.Kind) -> Iterator[tuple]:
    """The rows of ``kind``'s file, external id first, read in chunks (a national farm never sits in memory)."""
    external = dict(ExternalId.objects.filter(kind=kind.name).values_list("object_id", "external_id"))
    paths = [p for p in kind.export_values if p != "pinned"]
    pins = set(Batch.objects.exclude(pinned_scenario=None).values_list("pinned_scenario_id", flat=True))
    rows = kind.model.objects.order_by(*ORDERING[kind.name]).values_list("pk", *paths)
    for pk, *values in rows.iterator(chunk_size=5000):
        if kind.name == "scenarios":
            values.append(pk in pins)
        yield (external.get(pk, ""), *values)


def export_folder(folder: Path, *, progress=None) -> dict[str, int]:
    """Write ``<kind>.csv`` for every kind into ``folder`` (made if missing); returns the rows per kind."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind in K.KINDS:
        counted = _Counter(kind_rows(kind))
        with open(folder / f"{kind.name}.csv", "w", encoding="utf-8", newline="") as out:
            for chunk in csv_stream(kind.header, counted):
                out.write(chunk)
        counts[kind.name] = counted.n
        if progress:
            progress(kind.name, counted.n)
    return counts


def export_workbook(path: Path, *, progress=None) -> dict[str, int]:
    """Write one .xlsx with a sheet per kind."""
    counters = {kind.name: _Counter(kind_rows(kind)) for kind in K.KINDS}
    xlsx_write(path, ((kind.name, kind.header, counters[kind.name]) for kind in K.KINDS))
    counts = {name: counter.n for name, counter in counters.items()}
    if progress:
        for name, n in counts.items():
            progress(name, n)
    return counts


def template_rows(kind: K.Kind) -> list[tuple]:
    """A template: the header and one example row (docs/import-export.md shows the same examples)."""
    return [("", *(c.example for c in kind.columns))]


class _Counter:
    def __init__(self, rows):
        self.rows, self.n = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row
