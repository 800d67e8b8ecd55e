"""Projections written with the states (docs/forecast.md "Projection: the method", "Storage").

Every active assignment's projection anew each time (a handful of queries whatever the batch's size); the
population and biomass quantiles and the batch total are computed on read (apps.forecast.selectors).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from itertools import repeat
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.db.models.fields.json import KT

from apps.batch.engine.stage import tgc_per_day_degree
from apps.batch.models import ActualDailyAssignmentState, BatchContainerAssignment
from apps.forecast.engine import (
    Projection,
    ProjectionStart,
    mortality_estimate,
    performance_estimate,
    project,
    temperature_bias,
)
from apps.forecast.engine.calibration import band_calibrated
from apps.forecast.engine.estimates import (
    BIAS_DAYS,
    FIT_WINDOW_DAYS,
    MORTALITY_DAYS,
    RATIO_SD_PRIOR,
    AnchorPoint,
    Performance,
    SegmentEvidence,
    gain_per_feed,
    growth_fit,
)
from apps.forecast.engine.learned import OPTIONS, fit_deviation, learned_path, ways_blend, ways_learned, with_p50
from apps.forecast.engine.projection import MAX_CUBE_ROOT, profile_temperatures
from apps.forecast.models import GrowthSegment
from apps.forecast.models import Projection as ProjectionRow
from apps.forecast.services.calibration import refresh_reads
from apps.forecast.services.crossings import crossing_fields
from apps.forecast.services.handling import planned_handling
from apps.forecast.services.site_evidence import site_segment_evidence
from aquamind.db import fetch_sets

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from apps.batch.services.loading import BatchData

RECENT_DAYS = max(BIAS_DAYS, MORTALITY_DAYS)
PRIOR_SD_MIN = 0.05  # the batch's performance guides an assignment's fit, never overrules its weighings
#: a stored segment's columns that ``segment_evidence`` takes, in its order
EVIDENCE_COLUMNS = (
    "end_date",
    "degree_days",
    "performance_ratio",
    "end_weight_g",
    "scenario_tgc",
    "start_weight_g",
    "days",
    "feed_kg",
    "start_population",
    "end_population",
)


def _r(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def projections_refresh(
    *, data: BatchData, computed_at: dt.datetime, memory=None, planned: QuerySet | None = None
) -> int:
    """Replace the batch's projections: one per active assignment (its latest state is the batch's latest day, no
    departure the day after, fish in it). Returns the number written. ``memory``: the segment evidence and the
    computed rows of every assignment (see ``forecast_refresh``), else both are read from the database.
    ``planned``: the open planned handlings' (assignment id, due date) rows, a lazy query (see
    ``forecast_refresh``)."""
    batch_id = data.batch.pk
    computed = [a for a in data.assignments if a.first_day <= a.last_day]
    if not computed:
        _projections_replace(batch_id, [])
        return 0
    latest = max(a.last_day for a in computed)
    candidates = [a for a in computed if a.last_day == latest]  # an active assignment runs to the latest day
    oldest = latest - dt.timedelta(days=FIT_WINDOW_DAYS)
    if memory is None:
        evidence, recent = _evidence_and_recent_rows(batch_id, candidates, latest=latest)
    else:
        evidence = {a: [e for e in ev if e.end_date >= oldest] for a, ev in memory[0].items()}
    # one order whatever the path, so that the sums of a windowed and a full recompute agree to the last bit
    evidence = {a: sorted(evidence[a], key=lambda e: e.end_date) for a in sorted(evidence)}
    pooled = [e for ev in evidence.values() for e in ev]
    if memory is not None:
        since = {a.id: rows_since(evidence.get(a.id, []), a.last_day) for a in candidates}
        recent = _recent_rows_in_memory(memory[1], since, {a.id: a.departure_date for a in candidates})
    if not recent:
        _projections_replace(batch_id, [])
        return 0
    target = settings.FORECAST_HARVEST_WEIGHT_G
    horizon = max(0, min(settings.FORECAST_MAX_HORIZON_DAYS, (data.scenario_end - latest).days))
    records = {a.id: a for a in candidates}
    prior = batch_prior(as_of=latest, batch=pooled)  # every candidate's as-of date is the latest day
    # the site's segments only where the batch's give no ratio: the fallback never reaches them otherwise
    site_ids = {a.site_id for a in candidates if a.site_id is not None} if prior.source != "batch" else set()
    sites = site_segment_evidence(site_ids=site_ids, since=oldest, until=latest) if site_ids else {}
    priors = {site_id: batch_prior(as_of=latest, batch=pooled, site=evidence) for site_id, evidence in sites.items()}
    profiles: dict[int, list[float]] = {}  # the assignments of a batch share their day numbers
    # the farm's calibrated band and learned growth model (when its own backtest chose it), from the last night,
    # and the batch's treatments, in one round trip
    calibration, model, choice, treatments, due = refresh_reads(batch_id, planned)
    model = model if ways_learned(choice) else None
    handled = planned_handling(data, latest, due, treatments) if model is not None else {}
    new = []
    for assignment_id, rows in recent.items():
        day_number = rows[-1][1]
        if day_number not in profiles:
            profiles[day_number] = profile_temperatures(data.params.profile, day_number + 1, horizon)
        record = records[assignment_id]
        sea_transfer_g = settings.FORECAST_SEA_TRANSFER_WEIGHT_G if record.freshwater else None
        projection, assumptions = assignment_projection(
            rows=rows,
            params=data.params,
            horizon_days=horizon,
            target_weight_g=target,
            own=evidence.get(assignment_id, []),
            batch=pooled,
            profile_c=profiles[day_number],
            site=sites.get(record.site_id, ()),
            sea_transfer_weight_g=sea_transfer_g,
            prior=priors.get(record.site_id, prior),
            calibration=calibration,
            phase="fresh" if record.freshwater else "sea",
            model=model,
            handled=handled.get(assignment_id, ()),
            ways=choice.get("fresh" if record.freshwater else "sea"),
        )
        new.append(_projection_row(batch_id, assignment_id, projection, assumptions, target, computed_at))
    _projections_replace(batch_id, new)
    return len(new)


def batch_prior(*, as_of: dt.date, batch: list[SegmentEvidence], site=()) -> Performance:
    """The batch's performance, else the site's, as the prior of an assignment's growth fit (its sd at least
    PRIOR_SD_MIN), from the segments ending in the FIT_WINDOW_DAYS days up to ``as_of``."""
    oldest = as_of - dt.timedelta(days=FIT_WINDOW_DAYS)
    recent = lambda evidence: [e for e in evidence if e.end_date >= oldest]  # noqa: E731
    prior = performance_estimate(as_of=as_of, own=[], batch=recent(batch), site=recent(site))
    return Performance(ratio=prior.ratio, sd=max(prior.sd, PRIOR_SD_MIN), source=prior.source, segments=prior.segments)


def assignment_projection(
    *,
    rows,
    params,
    horizon_days: int,
    target_weight_g: float,
    own,
    batch,
    profile_c: list[float] | None = None,
    prior: Performance | None = None,
    site=(),
    sea_transfer_weight_g: float | None = None,
    calibration=None,
    phase: str = "sea",
    model=None,
    handled=(),
    ways: Sequence[str] | None = None,
) -> tuple[Projection, dict]:
    """The projection (weights; the population and biomass follow from the assumptions) from the latest of
    ``rows`` (date, day number, weight, population, stage, temp, deaths, temperature source; oldest first, from
    ``rows_since`` on), and the assumptions it used.

    Only segments ending in the last FIT_WINDOW_DAYS days count. With a weighing in the window, the level (today's weight) and the ratio come from the growth fit of this
    assignment's weighings, the batch's performance as its prior; without one, the latest state's weight and the
    assignment's, batch's, site's (``site``: the segments of the site's batches) or default performance.
    ``sea_transfer_weight_g``: also find the sea-transfer crossing (fish in fresh water). ``prior``: ``batch_prior``
    of ``batch`` and ``site`` as of the latest row's date, when the caller has it. ``calibration``: the farm's
    calibrated band (apps.forecast.engine.calibration), applied for ``phase`` ("fresh" or "sea"). ``model``: the
    farm's learned growth model (apps.forecast.engine.learned); ``handled``: the assignment's handling dates, past
    and planned, for it. ``ways``: how the P50 grows in each horizon bucket, as the farm's own backtest chose
    (docs/forecast.md "Choosing how to grow"): "fit" (the scenario with the fitted ratio and level), "scenario"
    (its own TGC from the latest state) or a learned option (the learned model from the fitted level, the
    deviation fading over the option's half-life); all "fit" when None."""
    last = rows[-1]
    as_of = last[0]
    oldest = as_of - dt.timedelta(days=FIT_WINDOW_DAYS)
    own = [e for e in own if e.end_date >= oldest]
    batch = [e for e in batch if e.end_date >= oldest]
    site = [e for e in site if e.end_date >= oldest]
    if prior is None:
        prior = batch_prior(as_of=as_of, batch=batch, site=site)
    fit = growth_fit(
        points=anchor_points(own=own, rows=rows, params=params, as_of=as_of),
        prior=prior,
        gain_per_feed=gain_per_feed(as_of=as_of, own=own),
    )
    ways = tuple(ways or ("fit",))
    if set(ways) == {"scenario"}:
        performance, weight_g = Performance(ratio=1.0, sd=RATIO_SD_PRIOR, source="scenario", segments=0), last[2]
    elif fit is not None and 0.0 < fit.level <= MAX_CUBE_ROOT:  # wild weighings can put a straight line anywhere
        performance, weight_g = fit.performance, fit.level**3
    else:
        performance, weight_g = performance_estimate(as_of=as_of, own=own, batch=batch, site=site), last[2]
    recent = [r for r in rows if r[7] == "measured" and (as_of - r[0]).days < BIAS_DAYS]
    planned = profile_temperatures(params.profile, recent[0][1], recent[-1][1] - recent[0][1] + 1) if recent else []
    bias = temperature_bias(measured_minus_profile_c=[r[5] - planned[r[1] - recent[0][1]] for r in recent])
    window = [r for r in rows if (as_of - r[0]).days < MORTALITY_DAYS]
    stage = last[4]
    mortality = mortality_estimate(
        deaths=sum(r[6] for r in window),
        fish_days=sum(r[3] + r[6] for r in window),
        model_daily_rate=params.mortality_daily_by_stage.get(stage, params.mortality_daily),
        days=len(window),
    )
    start = ProjectionStart(date=as_of, day_number=last[1], weight_g=weight_g, population=last[3], stage_id=stage)
    if profile_c is None:
        profile_c = profile_temperatures(params.profile, last[1] + 1, horizon_days)
    # the farm's calibrated band for this phase and weight class, if any: it replaces the closed-form band, which
    # is then not built
    days = len(profile_c[:horizon_days])
    calibrated = calibration if calibration is not None and calibration.replaces(phase, days, weight_g) else None
    projection = project(
        start=start,
        horizon_days=horizon_days,
        params=params,
        performance=performance,
        bias=bias,
        mortality=None,
        target_weight_g=target_weight_g,
        profile_c=profile_c,
        sea_transfer_weight_g=sea_transfer_weight_g,
        band=calibrated is None,
    )
    deviation = None
    if set(ways) - {"fit", "scenario"} and model is None:
        ways = tuple("fit" if OPTIONS.get(w) else w for w in ways)  # no model stored: the fitted scenario
    if set(ways) not in ({"fit"}, {"scenario"}) and projection.days:
        projection, deviation = _ways_grown(
            projection,
            ways=ways,
            model=model,
            start=start,
            params=params,
            own=own,
            bias=bias,
            profile_c=profile_c,
            latest_weight_g=last[2],
            phase=phase,
            handled=handled,
            performance=performance,
            target_weight_g=target_weight_g,
            sea_transfer_weight_g=sea_transfer_weight_g,
            band=calibrated is None,
        )
    if calibrated is not None:
        band_calibrated(
            projection,
            calibrated,
            phase=phase,
            start=start,
            target_weight_g=target_weight_g,
            sea_transfer_weight_g=sea_transfer_weight_g,
        )
    assumptions = {
        "as_of_date": as_of,
        "performance_ratio": performance.ratio,
        "performance_sd": performance.sd,
        "performance_source": performance.source,
        "temp_bias_c": bias.bias_c,
        "start_population": last[3],
        "mortality_daily_rate": mortality.daily_rate,
        "mortality_rel_sd": mortality.rel_sd,
        "mortality_source": mortality.source,
        "sea_transfer_target_g": sea_transfer_weight_g,
        "start": start,
        "model_deviation": deviation,
        "bias_c": bias.bias_c,
        "bias": bias,
        "performance": performance,
    }
    return projection, assumptions


def _ways_grown(
    projection: Projection,
    *,
    ways,
    model,
    start: ProjectionStart,
    params,
    own,
    bias,
    profile_c,
    latest_weight_g: float,
    phase: str,
    handled,
    performance: Performance,
    target_weight_g: float,
    sea_transfer_weight_g: float | None,
    band: bool = True,
) -> tuple[Projection, float | None]:
    """``projection`` (the fitted scenario's) with its P50 grown each horizon bucket's way (``ways_blend``), its
    closed-form band kept around it (``band`` false: left for the calibrated band to replace); and the learned
    model's deviation where a learned way is used."""
    paths = {"fit": projection.weight_g["p50"]}
    stages, deviation = None, None
    for way, weight_g in (("scenario", latest_weight_g), ("level", start.weight_g)):
        if way in ways:  # the scenario's own TGC from the latest state (the original method) or the fitted level
            paths[way] = scenario_path(
                replace(start, weight_g=weight_g),
                params=params,
                bias=bias,
                days=projection.days,
                profile_c=profile_c,
                target_weight_g=target_weight_g,
            )
    learned_ways = [w for w in dict.fromkeys(ways) if OPTIONS.get(w)]
    if learned_ways:
        fresh = phase == "fresh"
        deviation = fit_deviation(
            model, own, as_of=start.date, fresh=fresh, handled=handled, ratio=performance.ratio, sd=performance.sd
        )
        for way in learned_ways:
            xs, way_stages = learned_path(
                model=replace(model, half_life_days=OPTIONS[way]),
                start=start,
                params=params,
                dev=deviation,
                bias_c=bias.bias_c,
                profile_c=profile_c,
                days=projection.days,
                fresh=fresh,
                handled=handled,
            )
            paths[way] = [x * x * x for x in xs]
            if way == ways[0]:
                stages = way_stages
    blend = ways_blend(paths, ways, projection.days)
    with_p50(
        projection,
        [w ** (1 / 3) for w in blend],
        stages,
        start=start,
        target_weight_g=target_weight_g,
        sea_transfer_weight_g=sea_transfer_weight_g,
        band=band,
    )
    return projection, deviation


def scenario_path(start: ProjectionStart, *, params, bias, days: int, profile_c, target_weight_g: float) -> list[float]:
    """The P50 weights of the scenario's own TGC (ratio 1) from ``start``: the "scenario" way from the latest state
    (the original method), the "level" way from today's weight as the growth fit knows it."""
    return project(
        start=start,
        horizon_days=days,
        params=params,
        performance=Performance(ratio=1.0, sd=RATIO_SD_PRIOR, source="scenario", segments=0),
        bias=bias,
        mortality=None,
        target_weight_g=target_weight_g,
        profile_c=profile_c,
        band=False,
    ).weight_g["p50"]


def rows_since(own: list[SegmentEvidence], as_of: dt.date) -> dt.date:
    """The first day of states a projection reads: RECENT_DAYS back, or the last weighing in the fit window."""
    since = as_of - dt.timedelta(days=RECENT_DAYS - 1)
    weighed = [e.end_date for e in own if as_of - dt.timedelta(days=FIT_WINDOW_DAYS) <= e.end_date <= as_of]
    return min([since, *weighed[-1:]]) if weighed else since


def anchor_points(*, own: list[SegmentEvidence], rows, params, as_of: dt.date) -> list[AnchorPoint]:
    """The assignment's weighings (segment ends) placed by the scenario's cube-root growth from them to ``as_of``,
    each with the feed eaten per fish since it where that is known (``_feed_since``).

    The growth after the last weighing is summed from ``rows`` (which must reach back to it); earlier ones chain
    back through the segments' scenario growth."""
    ends = sorted((e for e in own if e.end_date <= as_of and e.end_weight_g > 0), key=lambda e: e.end_date)
    if not ends or not rows or rows[0][0] > ends[-1].end_date:
        return []
    growth, previous_stage = 0.0, None
    for row in rows:
        if row[0] > ends[-1].end_date and previous_stage is not None and row[5] > 0:
            growth += tgc_per_day_degree(params.tgc_by_stage.get(previous_stage, params.tgc)) * row[5]
        previous_stage = row[4]
    feed = _feed_since([r for r in rows if r[0] > ends[-1].end_date])
    points, position, later = [], -growth, None
    for segment in reversed(ends):
        if later is not None and feed is not None:  # the feed of the segment from this weighing to the next one
            contiguous = (later.end_date - segment.end_date).days == later.days
            feed = feed + later.feed_per_fish_g if contiguous and later.feed_per_fish_g > 0 else None
        points.append(AnchorPoint((as_of - segment.end_date).days, position, segment.end_weight_g ** (1 / 3), feed))
        position -= segment.scenario_growth
        later = segment
    return points


#: the share of the days after a weighing that must have feed recorded for the feed to say how the fish grew (days
#: without feed are fasting before handling, or feed not recorded)
FEED_RECORDED_SHARE = 0.6


def _feed_since(rows) -> float | None:
    """The feed eaten per fish (g) over ``rows`` (the days after the last weighing): Σ 1000 x feed kg / population;
    None where the rows carry no feed or it was recorded on fewer than FEED_RECORDED_SHARE of the days."""
    days = [r for r in rows if r[3] > 0]
    if not days:
        return 0.0
    if len(days[0]) < 9 or sum(1 for r in days if r[8] > 0) < FEED_RECORDED_SHARE * len(days):
        return None
    return sum(1000.0 * r[8] / r[3] for r in days)


def _evidence_and_recent_rows(batch_id: int, candidates, *, latest: dt.date):
    """The batch's segment evidence in the fit window and each candidate's recent rows (``rows_since`` on): on
    PostgreSQL in one round trip, the rows' first day worked out by the database (a recompute's fixed cost is
    mostly statements: docs/benchmarks.md "Forecast refresh"); elsewhere through the ORM."""
    oldest = latest - dt.timedelta(days=FIT_WINDOW_DAYS)
    if connection.vendor != "postgresql":
        evidence = _segment_evidence(batch_id, since=oldest)
        since = {a.id: rows_since(evidence.get(a.id, []), a.last_day) for a in candidates}
        return evidence, _recent_rows(candidates, since)
    params = {
        "batch": batch_id,
        "ids": [a.id for a in candidates],
        "oldest": oldest,
        "latest": latest,
        "recent": latest - dt.timedelta(days=RECENT_DAYS - 1),
    }
    with connection.cursor() as cursor:
        evidence_rows, state_rows = fetch_sets(cursor, [_EVIDENCE_SQL, _RECENT_ROWS_SQL], params)
    evidence: dict[int, list[SegmentEvidence]] = defaultdict(list)
    for assignment_id, *fields in evidence_rows:
        evidence[assignment_id].append(segment_evidence(*fields))
    return evidence, _active_rows(state_rows)


_SEGMENTS = GrowthSegment._meta.db_table
_EVIDENCE_SQL = f"""
    SELECT assignment_id, {", ".join(EVIDENCE_COLUMNS)}
    FROM {_SEGMENTS}
    WHERE batch_id = %(batch)s AND performance_ratio IS NOT NULL AND end_date >= %(oldest)s"""
# rows_since in SQL: RECENT_DAYS back, or back to the last weighing in the fit window
_RECENT_ROWS_SQL = f"""
    WITH since AS (
        SELECT a.id, a.departure_date, LEAST(%(recent)s::date, COALESCE(MAX(g.end_date), %(recent)s::date)) AS day
        FROM {BatchContainerAssignment._meta.db_table} a
        LEFT JOIN {_SEGMENTS} g ON g.assignment_id = a.id AND g.performance_ratio IS NOT NULL
            AND g.end_date BETWEEN %(oldest)s AND %(latest)s
        WHERE a.id = ANY(%(ids)s)
        GROUP BY a.id, a.departure_date
    )
    SELECT s.assignment_id, s.date, s.day_number, s.avg_weight_g::float8, s.population, s.lifecycle_stage_id,
           s.temp_c::float8, s.mortality_count, s.sources ->> 'temp', s.feed_kg::float8, since.departure_date
    FROM since JOIN {ActualDailyAssignmentState._meta.db_table} s ON s.assignment_id = since.id AND s.date >= since.day
    ORDER BY s.assignment_id, s.date"""


def _recent_rows(active, since: dict[int, dt.date]) -> dict[int, list[tuple]]:
    """The stored days of each of ``active`` from its ``since`` day on, oldest first, as plain tuples; without the
    assignments that depart the day after their latest state or hold no fish then."""
    if not active:
        return {}
    rows = (
        ActualDailyAssignmentState.objects.filter(
            assignment_id__in=[a.id for a in active], date__gte=min(since.values())
        )
        .annotate(temp_source=KT("sources__temp"))  # as text: decoding thousands of small JSON values costs more
        .order_by("assignment_id", "date")
        .values_list(
            "assignment_id",
            "date",
            "day_number",
            "avg_weight_g",
            "population",
            "lifecycle_stage_id",
            "temp_c",
            "mortality_count",
            "temp_source",
            "feed_kg",
            "assignment__departure_date",
        )
    )
    return _active_rows(row for row in rows if row[1] >= since[row[0]])


def _active_rows(rows) -> dict[int, list[tuple]]:
    """(assignment, date, day number, weight, population, stage, °C, deaths, temperature source, feed kg, departure)
    rows, ordered by assignment and date, as the projection reads them, by assignment; only the active
    assignments."""
    out: dict[int, list[tuple]] = defaultdict(list)
    departs: dict[int, dt.date | None] = {}
    for a, day, number, weight, population, stage, temp, deaths, temp_source, feed, departure in rows:
        out[a].append((day, number, float(weight), population, stage, float(temp), deaths, temp_source, float(feed)))
        departs[a] = departure
    return {a: days for a, days in out.items() if _active(days, departs[a])}


def _recent_rows_in_memory(rows_by_assignment, since: dict[int, dt.date], departures) -> dict[int, list[tuple]]:
    """``_recent_rows`` from the computed rows, rounded as the saver stores them."""
    out = {
        a: [
            (
                r.date,
                r.day_number,
                round(r.avg_weight_g, 2),
                r.population,
                r.stage_id,
                round(r.temp_c, 2),
                r.mortality_count,
                r.sources["temp"],
                round(r.feed_kg, 3),
            )
            for r in rows_by_assignment[a]
            if r.date >= day
        ]
        for a, day in since.items()
    }
    return {a: days for a, days in out.items() if days and _active(days, departures.get(a))}


def _active(days: list[tuple], departure: dt.date | None) -> bool:
    """Fish in it at the end of the latest day, and no departure the day after."""
    return days[-1][3] > 0 and (departure is None or departure > days[-1][0] + dt.timedelta(days=1))


def _segment_evidence(batch_id: int, *, since: dt.date) -> dict[int, list[SegmentEvidence]]:
    """The batch's segments ending on or after ``since`` (older ones are outside every projection's window)."""
    evidence: dict[int, list[SegmentEvidence]] = defaultdict(list)
    rows = GrowthSegment.objects.filter(
        batch_id=batch_id, performance_ratio__isnull=False, end_date__gte=since
    ).values_list("assignment_id", *EVIDENCE_COLUMNS)
    for assignment_id, *fields in rows:
        evidence[assignment_id].append(segment_evidence(*fields))
    return evidence


def segment_evidence(
    end_date,
    degree_days,
    ratio,
    end_weight_g,
    scenario_tgc,
    start_weight_g=0.0,
    days=0,
    feed_kg=0.0,
    start_population=0,
    end_population=0,
) -> SegmentEvidence:
    """A stored (or computed) segment as evidence; the feed per fish over its mean population (0 without either)."""
    population = (start_population + end_population) / 2
    return SegmentEvidence(
        end_date=end_date,
        degree_days=degree_days,
        ratio=ratio,
        end_weight_g=end_weight_g,
        scenario_growth=scenario_tgc * degree_days / 1000.0,
        start_weight_g=start_weight_g,
        days=days,
        feed_per_fish_g=1000.0 * feed_kg / population if feed_kg > 0 and population > 0 else 0.0,
    )


def _projections_replace(batch_id: int, rows: list[ProjectionRow]) -> None:
    """The batch's projections replaced by ``rows``: a DELETE and a COPY on PostgreSQL (cheaper than quoting the
    series' JSON into an INSERT), the ORM elsewhere."""
    if connection.vendor != "postgresql" or not rows:
        ProjectionRow.objects.filter(batch_id=batch_id).delete()
        ProjectionRow.objects.bulk_create(rows)
        return
    fields = [f for f in ProjectionRow._meta.concrete_fields if not f.primary_key]
    table = ProjectionRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE batch_id = %s", [batch_id])
        with cursor.cursor.copy(f"COPY {table} ({', '.join(f.column for f in fields)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields])


def _series(projection: Projection) -> dict:
    """The stored arrays: weights (g, 1 dp) and the stage changes as [day index, stage id] pairs."""
    changes, previous = [], None
    for index, stage in enumerate(projection.stage_ids):
        if stage != previous:
            changes.append([index, stage])
            previous = stage
    return {
        "weight_g": {k: list(map(round, values, repeat(1))) for k, values in projection.weight_g.items()},
        "stage_changes": changes,
    }


def _projection_row(
    batch_id, assignment_id, projection: Projection, assumptions: dict, target, computed_at
) -> ProjectionRow:
    return ProjectionRow(
        batch_id=batch_id,
        assignment_id=assignment_id,
        as_of_date=assumptions["as_of_date"],
        first_date=projection.first_date,
        days=projection.days,
        performance_ratio=_r(assumptions["performance_ratio"], 4),
        performance_sd=_r(assumptions["performance_sd"], 4),
        performance_source=assumptions["performance_source"],
        temp_bias_c=_r(assumptions["temp_bias_c"], 3),
        start_population=assumptions["start_population"],
        mortality_daily_rate=assumptions["mortality_daily_rate"],
        mortality_rel_sd=assumptions["mortality_rel_sd"],
        mortality_source=assumptions["mortality_source"],
        target_weight_g=target,
        harvest_date=projection.harvest_date,
        harvest_date_p10=projection.harvest_date_early,
        harvest_date_p90=projection.harvest_date_late,
        **crossing_fields(projection, sea_transfer_target_g=assumptions["sea_transfer_target_g"]),
        series=_series(projection),
        computed_at=computed_at,
    )
