"""Write a farm's history as the files the import reads (docs/import-export.md): one ``<kind>.csv`` per kind in a
folder, or one ``.xlsx`` workbook with a sheet per kind, through ``aquamind.tabular`` (streamed, formulas
neutralised). Rows come in a stable order (by natural key) and carry the external id a record was imported
with, if any; a record made in AquaMind has none, and a re-import finds it by its natural key or as identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from apps.batch.models import Batch, GrowthSample
from apps.batch.services.saving import VALUE_COLUMNS
from apps.farmio import kinds as K
from apps.farmio.models import ExternalId
from aquamind.tabular import csv_stream, xlsx_write

#: the order rows are written in: the natural keys, so two exports of the same records are the same files
#: the daily states by natural key, without their ids or computing times: what a round trip must give back row
#: for row (tests/farmio/test_round_trip.py, bench/import_faroe.py)
STATE_FIELDS = (
    "assignment__batch__batch_number",
    "assignment__container__site__name",
    "assignment__container__name",
    "assignment__assignment_date",
    "date",
    "day_number",
    "lifecycle_stage__name",
    *VALUE_COLUMNS,
)
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
    "growth_samples": (
        "assignment__batch__batch_number",
        "sample_date",
        "assignment__container__name",
        "id",
        "casts__id",
    ),
    "mortality": ("assignment__batch__batch_number", "event_date", "assignment__container__name", "id"),
    "feeding": ("assignment__batch__batch_number", "feeding_date", "assignment__container__name", "id"),
    "treatments": ("assignment__batch__batch_number", "treatment_date", "id"),
    "environmental_readings": ("container__site__name", "container__name", "reading_time", "id"),
    "planned_activities": ("batch__batch_number", "due_date", "id"),
}


def kind_rows(kind: K.Kind) -> Iterator[tuple]:
    """The rows of ``kind``'s file, external id first, read in chunks (a national farm never sits in memory)."""
    if kind.name == "growth_samples":
        yield from _cast_rows()
        return
    external = dict(ExternalId.objects.filter(kind=kind.name).values_list("object_id", "external_id"))
    paths = [p for p in kind.export_values if p != "pinned"]
    pins = set(Batch.objects.exclude(pinned_scenario=None).values_list("pinned_scenario_id", flat=True))
    rows = kind.model.objects.order_by(*ORDERING[kind.name]).values_list("pk", *paths)
    for pk, *values in rows.iterator(chunk_size=5000):
        if kind.name == "scenarios":
            values.append(pk in pins)
        yield (external.get(pk, ""), *values)


def _cast_rows() -> Iterator[tuple]:
    """One row per cast of every sampling day; a day stored without casts is one row, its own cast."""
    external = dict(ExternalId.objects.filter(kind="growth_samples").values_list("object_id", "external_id"))
    rows = GrowthSample.objects.order_by(*ORDERING["growth_samples"]).values_list(
        "assignment__batch__batch_number",
        "assignment__container__site__name",
        "assignment__container__name",
        "sample_date",
        "sample_size",
        "avg_weight_g",
        "std_dev_weight_g",
        "avg_length_cm",
        "notes",
        "casts__id",
        "casts__fish_weighed",
        "casts__avg_weight_g",
        "casts__std_dev_weight_g",
        "casts__weights_g",
        "casts__notes",
    )
    for batch, site, container, day, size, mean, sd, length, notes, cast, *cast_values in rows.iterator(
        chunk_size=5000
    ):
        if cast is None:
            yield ("", batch, site, container, day, size, mean, sd, "", length, notes)
            continue
        fish, cast_mean, cast_sd, weights, cast_notes = cast_values
        listed = ";".join(format(Decimal(str(w)), "f") for w in weights) if weights else ""
        yield (
            external.get(cast, ""),
            batch,
            site,
            container,
            day,
            fish,
            cast_mean,
            cast_sd,
            listed,
            length,
            cast_notes,
        )


def export_folder(folder: Path, *, progress=None) -> dict[str, int]:
    """Write ``<kind>.csv`` for every kind into ``folder`` (made if missing); returns the rows per kind."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind in K.FILE_KINDS:
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
    counters = {kind.name: _Counter(kind_rows(kind)) for kind in K.FILE_KINDS}
    xlsx_write(path, ((kind.name, kind.header, counters[kind.name]) for kind in K.FILE_KINDS))
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
