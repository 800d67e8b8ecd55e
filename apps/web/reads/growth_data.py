"""The growth chart's read in columns (``shape=columnar``) and the version tag that lets a polling page skip it.

Columns: every series is one object of equal-length arrays (``{"date": [...], "avg_weight_g": [...]}``), so a
day costs its values and not its field names again; a JSON null is a day without that value. The rows shape
(``growth_rows.combined_growth_data``) stays for clients that read one object per row; both take the batch
totals from the one aggregation of ``growth_totals``.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.cache import cache
from django.db.models import Count, FloatField, Max, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from apps.batch.labels import assignment_label
from apps.batch.models import (
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    RecomputeMarker,
    TransferAction,
)
from apps.web.reads.growth_common import growth_records, recompute_status, scenario_series
from apps.web.reads.growth_totals import batch_totals_columns, columns, weekly_points, weekly_totals_columns

PROJECTION_CACHE_SECONDS = 600
STATE_COLUMNS = (
    "assignment_id", "date", "avg_weight_g", "population", "biomass_kg", "temp_c", "feed_kg", "mortality_count",
    "observed_fcr", "anchor_type",
)  # fmt: skip


def assignment_states_columns(states) -> dict[str, list]:
    """Each assignment's daily states, with the weight's and temperature's source and confidence as their own
    columns (the tooltip puts them in words). The JSON keys are read as text in the database and the decimals
    as floats: decoding 4,000 rows' JSON documents in Python took most of this read's time."""
    extra = {
        "weight_source": KT("sources__weight"), "weight_confidence": KT("confidence_scores__weight"),
        "temp_source": KT("sources__temp"), "temp_confidence": KT("confidence_scores__temp"),
    }  # fmt: skip
    floats = {
        f"f_{k}": Cast(k, FloatField()) for k in ("avg_weight_g", "biomass_kg", "temp_c", "feed_kg", "observed_fcr")
    }
    names = tuple(f"f_{k}" if f"f_{k}" in floats else k for k in STATE_COLUMNS)
    rows = states.order_by("assignment_id", "date").annotate(**extra, **floats).values_list(*names, *extra)
    out = columns(list(rows), (*STATE_COLUMNS, *extra))
    for key, digits in (("avg_weight_g", 2), ("biomass_kg", 2), ("temp_c", 2), ("feed_kg", 3), ("observed_fcr", 3)):
        out[key] = [None if v is None else round(v, digits) for v in out[key]]
    for key in ("weight_confidence", "temp_confidence"):
        out[key] = [None if v is None else float(v) for v in out[key]]
    return out


def batch_events(*, batch_id: int, start_date=None, end_date=None, assignment_id=None) -> dict[str, list]:
    """The chart's markers: completed transfers (in, out or within the batch), treatments, and harvests (an
    assignment that departed with no transfer out of it)."""
    from apps.health.models import Treatment

    transfers = TransferAction.objects.filter(
        Q(source_assignment__batch_id=batch_id) | Q(dest_assignment__batch_id=batch_id),
        status=TransferAction.Status.COMPLETED,
        actual_execution_date__isnull=False,
    )
    treatments = Treatment.objects.filter(assignment__batch_id=batch_id)
    departed = BatchContainerAssignment.objects.filter(batch_id=batch_id, departure_date__isnull=False).exclude(
        transfers_out__status=TransferAction.Status.COMPLETED
    )
    if assignment_id:
        transfers = transfers.filter(Q(source_assignment_id=assignment_id) | Q(dest_assignment_id=assignment_id))
        treatments, departed = treatments.filter(assignment_id=assignment_id), departed.filter(pk=assignment_id)
    if start_date:
        transfers = transfers.filter(actual_execution_date__gte=start_date)
        treatments, departed = (
            treatments.filter(treatment_date__gte=start_date),
            departed.filter(departure_date__gte=start_date),
        )
    if end_date:
        transfers = transfers.filter(actual_execution_date__lte=end_date)
        treatments, departed = (
            treatments.filter(treatment_date__lte=end_date),
            departed.filter(departure_date__lte=end_date),
        )
    return {
        "transfers": [
            {"date": d, "count": n, "from": f"{src} ({src_site})", "to": f"{dst} ({dst_site})"}
            for d, n, src, src_site, dst, dst_site in transfers.order_by("actual_execution_date", "id").values_list(
                "actual_execution_date",
                "transferred_count",
                "source_assignment__container__name",
                "source_assignment__container__site__name",
                "dest_assignment__container__name",
                "dest_assignment__container__site__name",
            )
        ],
        "treatments": [
            {"date": d, "type": t.title(), "container": c}
            for d, t, c in treatments.order_by("treatment_date", "id").values_list(
                "treatment_date", "treatment_type", "assignment__container__name"
            )
        ],
        "harvests": [
            {"date": d, "container": c}
            for d, c in departed.order_by("departure_date", "id")
            .distinct()
            .values_list("departure_date", "container__name")
        ],
    }


def growth_data_etag(*, batch: Batch, query: dict) -> str:
    """A tag that changes whenever the growth data can: a recompute's success or failure (stamped on the batch),
    pending markers, samples added, changed or removed, the pinned scenario and its edits, and the query.
    Two small queries; the daily states themselves are only written by a recompute, which stamps the batch."""
    markers = RecomputeMarker.objects.filter(batch_id=batch.pk).aggregate(
        n=Count("id"), parked=Count("id", filter=Q(parked_at__isnull=False)), changed=Max("updated_at")
    )
    samples = GrowthSample.objects.filter(assignment__batch_id=batch.pk).aggregate(n=Count("id"), last=Max("id"))
    parts = (
        batch.pk,
        batch.last_recompute_success_at,
        batch.last_recompute_error_at,
        batch.last_recompute_error_code,
        batch.pinned_scenario_id,
        markers["n"],
        markers["parked"],
        markers["changed"],
        samples["n"],
        samples["last"],
        sorted(query.items()),
    )
    return '"' + hashlib.sha1(repr(parts).encode()).hexdigest()[:20] + '"'


def combined_growth_columns(
    *,
    batch: Batch,
    start_date=None,
    end_date=None,
    assignment_id=None,
    granularity: str = "daily",
    include_states: bool = False,
) -> dict:
    """The combined growth data in columns: ``batch_totals`` (daily or ISO-weekly), ``actual_daily_states``
    per assignment (daily, for one assignment or with ``include_states``; else null: the whole batch's
    per-container rows are most of the read's time and bytes), ``growth_samples``, the scenario's
    ``projection``, the chart's ``events``, the assignments with their labels, and the recompute status."""
    states, samples = growth_records(batch=batch, start_date=start_date, end_date=end_date, assignment_id=assignment_id)
    totals = batch_totals_columns(states) if granularity == "daily" else weekly_totals_columns(states)
    first_days = totals["date"] if granularity == "daily" else totals["first_date"]
    scenario = scenario_columns(batch=batch, start_date=start_date, end_date=end_date)
    if scenario and granularity == "weekly":
        scenario = {**scenario, "projection": weekly_points(scenario["projection"])}
    sample_names = ("id", "assignment_id", "sample_date", "avg_weight_g", "sample_size")
    sample_cols = columns(list(samples.order_by("sample_date", "id").values_list(*sample_names)), sample_names)
    sample_cols["avg_weight_g"] = [float(v) for v in sample_cols["avg_weight_g"]]
    return {
        "shape": "columnar",
        "batch": {
            "id": batch.pk,
            "batch_number": batch.batch_number,
            "status": batch.status,
            "start_date": batch.start_date,
        },
        "scenario": scenario,
        "growth_samples": sample_cols,
        "actual_daily_states": (
            assignment_states_columns(states) if granularity == "daily" and (assignment_id or include_states) else None
        ),
        "batch_totals": totals,
        "events": batch_events(
            batch_id=batch.pk, start_date=start_date, end_date=end_date, assignment_id=assignment_id
        ),
        "assignments": assignments_with_labels(batch_id=batch.pk),
        "date_range": {
            "start": first_days[0] if first_days else None,
            "end": totals["date"][-1] if totals["date"] else None,
        },
        "granularity": granularity,
        "recompute_status": recompute_status(batch=batch),
        "forecast": forecast_columns(batch_id=batch.pk, assignment_id=assignment_id),
        "generated_at": timezone.now(),
    }


def forecast_columns(*, batch_id: int, assignment_id: int | None = None) -> dict | None:
    """The live projection the chart draws after the actual days: the batch total (or one assignment's), as
    ``date`` plus P10/P50/P90 arrays per metric, with the harvest date and its range; None when nothing of the
    batch (or that assignment) is active. Written by the recompute with the states, so never older than them."""
    from apps.forecast.selectors import projection_for_batch

    body = projection_for_batch(batch_id=batch_id, assignment_id=assignment_id)
    chosen = (
        body["assignments"][0] if assignment_id and body["assignments"] else None if assignment_id else body["total"]
    )
    if not chosen or not chosen["days"]:
        return None
    series, first = chosen["series"], chosen["first_date"]
    return {
        "as_of_date": chosen["as_of_date"],
        "date": [first + dt.timedelta(days=i) for i in range(chosen["days"])],
        "avg_weight_g": series["weight_g"],
        "population": series["population"],
        "biomass_kg": series["biomass_kg"],
        "harvest_date": chosen["harvest_date"],
        "harvest_date_p10": chosen["harvest_date_p10"],
        "harvest_date_p90": chosen["harvest_date_p90"],
        "target_weight_g": chosen["target_weight_g"],
        "band": body["band"],
    }


def scenario_columns(*, batch: Batch, start_date=None, end_date=None) -> dict | None:
    """The batch's scenario and its projection in columns, kept in the process's cache for
    ``PROJECTION_CACHE_SECONDS``: the projection runs the engine over the scenario's days (about 60 ms for 900
    days). The key holds the batch's last recompute success, which an edit of the batch's scenario or its
    models moves (the edit marks the batch for recompute), and the pinned scenario."""
    stamp = batch.last_recompute_success_at.isoformat() if batch.last_recompute_success_at else "never"
    key = f"growth-projection:{batch.pk}:{batch.pinned_scenario_id}:{stamp}:{start_date}:{end_date}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    scenario = scenario_series(batch=batch, start_date=start_date, end_date=end_date)
    if scenario is not None:
        names = ("date", "day_number", "avg_weight_g", "population", "biomass_kg")
        scenario["projection"] = columns([tuple(d[n] for n in names) for d in scenario["projection"]], names)
    cache.set(key, scenario or {}, PROJECTION_CACHE_SECONDS)
    return scenario


def assignments_with_labels(*, batch_id: int) -> list[dict]:
    """The batch's assignments, each with its label ("Pen 02 · Viðvík · 2025-04-10 → now")."""
    rows = list(
        BatchContainerAssignment.objects.filter(batch_id=batch_id)
        .order_by("assignment_date", "id")
        .values(
            "id",
            "container_id",
            "container__name",
            "container__site__name",
            "assignment_date",
            "departure_date",
            "lifecycle_stage__name",
        )
    )
    for r in rows:
        r["label"] = assignment_label(
            r["container__name"], r["container__site__name"], r["assignment_date"], r["departure_date"]
        )
    return rows
