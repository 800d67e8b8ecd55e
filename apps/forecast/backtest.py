"""Backtest of the projection on a generated farm with its truth (docs/forecast.md "Backtest").

For each as-of date, each batch is computed in memory from the records up to that date only (the engine with
``today`` = the as-of date reads nothing later: anchors, deaths, feed and temperatures after its last day are
ignored), its segments are derived from those states, and every active assignment is projected twice: by this
module's method and by the original one (profile + bias, scenario TGC, scenario mortality, no band). Both are
scored against the simulated truth of the same assignment.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from apps.batch.models import BatchContainerAssignment
from apps.batch.services.inputs import batch_inputs_load
from apps.batch.services.recompute import batch_compute
from apps.forecast.engine import Performance, project, segments_compute
from apps.forecast.engine.calibration import HORIZON_EDGES, PHASES, band_calibrated, calibrate, forecast_residuals
from apps.forecast.engine.estimates import SegmentEvidence
from apps.forecast.engine.learned import chosen_residuals, options_choose, variants, ways_blend, with_p50
from apps.forecast.engine.projection import profile_temperatures
from apps.forecast.history import FarmHistory, handling_dates, treatments_by_assignment
from apps.forecast.services import assignment_projection, rows_since, segment_evidence
from apps.forecast.services.calibration import weighings_by_assignment
from apps.forecast.services.projections import scenario_path

HORIZONS = (30, 60, 90)
LEADS = (30, 60, 90)  # days before the true harvest date
BACKTEST_HORIZON_DAYS = 180
#: the farm's history an as-of date must have behind it to count in the "mature" table: a farm that imports its
#: history (docs/import-export.md) starts with years of it, a generated farm with none
MATURE_HISTORY_DAYS = 730
ORIGINAL = Performance(ratio=1.0, sd=0.0, source="original", segments=0)


@dataclass
class Scores:
    """Absolute % errors by horizon, band hits, and harvest-date errors (days, forecast - truth) by lead."""

    new_ape: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    new_error: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))  # signed (P50 - true) / true
    original_ape: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    inside: dict[int, list[bool]] = field(default_factory=lambda: defaultdict(list))
    new_harvest: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    original_harvest: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    harvest_inside: dict[int, list[bool]] = field(default_factory=lambda: defaultdict(list))
    missed_harvest: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    calibrated: dict[dt.date, bool] = field(default_factory=dict)  # whether the band of an as-of date was calibrated
    options: dict[str, int] = field(default_factory=dict)  # forecasts scored by the way they grew
    #: the same figures for the forecasts as of dates with MATURE_HISTORY_DAYS of the farm's history behind them
    mature: Scores | None = None

    def mape(self, horizon: int, original: bool = False) -> float | None:
        values = (self.original_ape if original else self.new_ape)[horizon]
        return 100 * statistics.fmean(values) if values else None

    def bias(self, horizon: int) -> float | None:
        values = self.new_error[horizon]
        return 100 * statistics.fmean(values) if values else None

    def coverage(self, horizon: int | None = None) -> float | None:
        hits = [h for k, v in self.inside.items() if horizon in (None, k) for h in v]
        return 100 * statistics.fmean(hits) if hits else None

    def harvest_error(self, lead: int, original: bool = False) -> float | None:
        values = (self.original_harvest if original else self.new_harvest)[lead]
        return statistics.median(abs(v) for v in values) if values else None

    def add(self, other: Scores) -> Scores:
        """``other``'s forecasts added to these (several farms pooled: each forecast counts once, whichever farm
        made it); the mature figures too. Returns self."""
        for name in (
            "new_ape",
            "new_error",
            "original_ape",
            "inside",
            "new_harvest",
            "original_harvest",
            "harvest_inside",
        ):
            for key, values in getattr(other, name).items():
                getattr(self, name)[key].extend(values)
        for key, count in other.missed_harvest.items():
            self.missed_harvest[key] += count
        for option, count in other.options.items():
            self.options[option] = self.options.get(option, 0) + count
        if other.mature is not None:
            if self.mature is None:
                self.mature = Scores()
            self.mature.add(other.mature)
        return self


def truth_load(path: Path) -> dict[int, dict[dt.date, float]]:
    """True end-of-day weight (g) by assignment id and date, from ``generate_demo_data --truth-out``."""
    truth: dict[int, dict[dt.date, float]] = defaultdict(dict)
    with path.open() as handle:
        for row in csv.DictReader(handle):
            truth[int(row["assignment_id"])][dt.date.fromisoformat(row["date"])] = float(row["true_avg_weight_g"])
    return truth


def backtest_run(
    *,
    batch_ids: list[int],
    truth: dict[int, dict[dt.date, float]],
    as_of_dates: list[dt.date],
    target_weight_g: float,
    calibrated: bool = True,
    learned: bool = True,
    lookback_days: int | None = None,
) -> Scores:
    """Score both methods at every as-of date, and at 30/60/90 days before each true harvest date. ``calibrated``:
    the new method's band from the calibration of the residuals known on each as-of date (else the closed form).
    ``learned``: the new method's way of growing (the fitted scenario, the scenario from the latest state, or the
    growth model learned from the segments known on each date with its deviation fading over one of OPTIONS'
    half-lives) chosen on each date by the residuals known then, per phase (``options_choose``); ``lookback_days``
    as ``backtest_score``'s."""
    run = backtest_forecasts(
        batch_ids=batch_ids, truth=truth, as_of_dates=as_of_dates, target_weight_g=target_weight_g, learned=learned
    )
    return backtest_score(
        run,
        truth=truth,
        target_weight_g=target_weight_g,
        calibrated=calibrated,
        learned=learned,
        lookback_days=lookback_days,
    )


@dataclass
class BacktestForecasts:
    """Pass one of a backtest: every forecast (as of the grid's dates and the harvest leads), the residuals of
    those on the grid against the farm's later weighings by option, and the true harvest dates."""

    as_of_dates: list[dt.date]
    forecasts: list[tuple]  # (as_of, assignment id, new projection, original projection, phase, start, p50s)
    residuals: dict[str, list]
    harvest: dict[int, dt.date]
    leads: dict[dt.date, set[int]]


def backtest_forecasts(
    *,
    batch_ids: list[int],
    truth: dict[int, dict[dt.date, float]],
    as_of_dates: list[dt.date],
    target_weight_g: float,
    learned: bool = True,
) -> BacktestForecasts:
    """Pass one: every forecast of every as-of date (and of 30/60/90 days before each true harvest date),
    strictly from the records up to its date, and the residuals of those on the grid."""
    harvest = _true_harvest_dates(truth, target_weight_g)
    rows = BatchContainerAssignment.objects.filter(batch_id__in=batch_ids).values_list(
        "id", "batch_id", "departure_date"
    )
    departures = {a: departure for a, _, departure in rows}
    batch_of = {a: b for a, b, _ in rows}
    alive: dict[int, list[dt.date]] = defaultdict(list)
    for assignment_id, days in truth.items():
        if assignment_id in batch_of:
            alive[batch_of[assignment_id]] += [min(days), max(days)]
    leads = defaultdict(set)
    for assignment_id, when in harvest.items():
        for lead in LEADS:
            leads[when - dt.timedelta(days=lead)].add(assignment_id)
    samples = weighings_by_assignment(batch_ids)
    history = FarmHistory(treatments_by_assignment(batch_ids)) if learned else None
    forecasts, residuals = [], defaultdict(list)
    for as_of in sorted(set(as_of_dates) | set(leads)):
        if history is not None:
            history.fit(as_of)  # from the segments of the as-of dates before this one
        needed = (
            {b for b in batch_ids if b in alive and min(alive[b]) <= as_of <= max(alive[b])}
            if as_of in as_of_dates
            else set()
        )
        needed |= {batch_of[a] for a in leads.get(as_of, ()) if a in batch_of}
        for batch_id in sorted(needed):
            for assignment_id, new, original, phase, start, p50s in _forecasts(
                batch_id, as_of, departures, target_weight_g, history=history
            ):
                forecasts.append((as_of, assignment_id, new, original, phase, start, p50s))
                if as_of in as_of_dates:
                    options_residuals(residuals, as_of, batch_id, phase, start, p50s, samples.get(assignment_id, ()))
    return BacktestForecasts(list(as_of_dates), forecasts, dict(residuals), harvest, dict(leads))


def options_residuals(out: dict[str, list], as_of, batch_id, phase, start, p50s: dict, samples) -> None:
    """Add one forecast's residuals in every way of growing (its P50 weights ``p50s`` by option) against the
    assignment's later weighings ``samples`` to ``out`` (by option): the backtest's and the nightly job's."""
    for option, p50 in p50s.items():
        out[option] += forecast_residuals(
            as_of=as_of, phase=phase, p50=p50, samples=samples, start_weight_g=start.weight_g, batch_id=batch_id
        )


def backtest_score(
    run: BacktestForecasts,
    *,
    truth: dict[int, dict[dt.date, float]],
    target_weight_g: float,
    calibrated: bool = True,
    learned: bool = True,
    lookback_days: int | None = None,
) -> Scores:
    """Pass two: each forecast grown the way, and banded as, the residuals dated on or before its as-of date
    say, scored against the truth. The forecasts of ``run`` are changed in place (score a run once).
    ``lookback_days``: only the residuals of forecasts made in that many days before each as-of date (the nightly
    job's window, CALIBRATION_LOOKBACK_DAYS), instead of all the past. ``Scores.mature`` holds the same figures
    for the as-of dates with MATURE_HISTORY_DAYS of the farm's history behind them."""
    scores = Scores(mature=Scores())
    as_of_dates, residuals, harvest, leads = set(run.as_of_dates), run.residuals, run.harvest, run.leads
    first_day = min((min(days) for days in truth.values() if days), default=None)
    chosen = {}
    for as_of, assignment_id, new, original, phase, start, p50s in run.forecasts:
        if as_of not in chosen:
            past = _window(residuals, as_of, lookback_days)
            choice = (
                options_choose(past, until=as_of) if learned else {p: ("fit",) * len(HORIZON_EDGES) for p in PHASES}
            )
            chosen[as_of] = (
                choice,
                calibrate(chosen_residuals(past, choice), until=as_of) if calibrated else None,
            )
        choice, calibration = chosen[as_of]
        ways = choice[phase]
        option = "/".join(dict.fromkeys(ways))
        scores.options[option] = scores.options.get(option, 0) + (as_of in as_of_dates)
        if set(ways) != {"fit"}:
            blend = ways_blend(p50s, ways, new.days)
            banded = calibration is not None and calibration.replaces(phase, new.days, start.weight_g)
            with_p50(
                new, [w ** (1 / 3) for w in blend], None, start=start, target_weight_g=target_weight_g, band=not banded
            )
        if calibration is not None:
            band_calibrated(new, calibration, phase=phase, start=start, target_weight_g=target_weight_g)
            scores.calibrated[as_of] = calibration.calibrated
        mature = first_day is not None and (as_of - first_day).days >= MATURE_HISTORY_DAYS
        for kept in (scores, scores.mature) if mature else (scores,):
            if as_of in as_of_dates:
                _score_weights(kept, truth.get(assignment_id, {}), as_of, new, original)
            if assignment_id in leads.get(as_of, ()):
                _score_harvest(kept, harvest[assignment_id], as_of, new, original)
    return scores


def _window(residuals: dict[str, list], as_of: dt.date, lookback_days: int | None) -> dict[str, list]:
    """The residuals of the forecasts made in the ``lookback_days`` before ``as_of`` (all with None)."""
    if lookback_days is None:
        return residuals
    first = as_of - dt.timedelta(days=lookback_days)
    return {o: [r for r in rs if r.forecast is None or r.forecast[0] >= first] for o, rs in residuals.items()}


def _true_harvest_dates(truth, target_g: float) -> dict[int, dt.date]:
    """The first day each assignment's true weight reached the target (assignments that reached it)."""
    found = {}
    for assignment_id, days in truth.items():
        reached = [d for d, w in days.items() if w >= target_g]
        if reached and min(days) < min(reached):
            found[assignment_id] = min(reached)
    return found


def _forecasts(
    batch_id: int,
    as_of: dt.date,
    departures,
    target_g: float,
    *,
    horizon: int = BACKTEST_HORIZON_DAYS,
    original: bool = True,
    history: FarmHistory | None = None,
):
    """(assignment id, new projection, original projection or None, phase, the new one's start, the P50 weights
    by option) for each assignment active on ``as_of``, computed from the batch's records up to ``as_of`` only.
    The new projection grows by the fitted scenario ("fit"); ``history``: the farm's segments known so far,
    whose learned growth model (if any) gives the P50 of the learned options too; this batch's segments are
    added to it after its forecasts."""
    inputs = batch_inputs_load(batch_id=batch_id, today=as_of, from_dates=None, until=as_of)  # strict as-of
    data = inputs.data
    writes, _ = batch_compute(inputs)
    model = history.model if history is not None else None
    handled = handling_dates(data, as_of, history.treatments) if history is not None else {}
    fresh = {a.id: a.freshwater for a in data.assignments}
    evidence: dict[int, list[SegmentEvidence]] = {}
    computed = []
    for write in writes:
        anchors = {d: a.kind for d, a in data.anchors.get(write.assignment_id, {}).items()}
        segments = segments_compute(
            rows=write.rows,
            anchor_kinds=anchors,
            tgc_by_stage=data.params.tgc_by_stage,
            tgc_default=data.params.tgc,
            starts_at_placement=True,
        )
        evidence[write.assignment_id] = [
            segment_evidence(
                s.end_date,
                s.degree_days,
                s.performance_ratio,
                s.end_weight_g,
                s.scenario_tgc,
                s.start_weight_g,
                s.days,
                round(s.feed_kg, 3),
                s.start_population,
                s.end_population,
            )
            for s in segments
            if s.performance_ratio is not None
        ]
        computed.append((write.assignment_id, segments))
    pooled = [e for ev in evidence.values() for e in ev]
    for write in writes:
        departure = departures.get(write.assignment_id)
        if (
            not write.rows
            or write.rows[-1].date != as_of
            or (departure is not None and departure <= as_of + dt.timedelta(days=1))
        ):
            continue
        since = rows_since(evidence[write.assignment_id], as_of)
        rows = [_recent(r) for r in write.rows if r.date >= since]
        if rows[-1][3] <= 0:
            continue
        phase = "fresh" if fresh.get(write.assignment_id) else "sea"
        new, assumptions = assignment_projection(
            rows=rows,
            params=data.params,
            horizon_days=horizon,
            target_weight_g=target_g,
            own=evidence[write.assignment_id],
            batch=pooled,
            phase=phase,
        )
        start, performance = assumptions["start"], assumptions["performance"]
        profile_c = profile_temperatures(data.params.profile, rows[-1][1] + 1, horizon)
        level = scenario_path(
            start,
            params=data.params,
            bias=assumptions["bias"],
            days=new.days,
            profile_c=profile_c,
            target_weight_g=target_g,
        )
        learned = variants(
            model=model,
            start=start,
            params=data.params,
            own=evidence[write.assignment_id],
            bias_c=assumptions["bias_c"],
            profile_c=profile_c,
            days=new.days,
            fresh=phase == "fresh",
            handled=handled.get(write.assignment_id, ()),
            ratio=performance.ratio,
            ratio_sd=performance.sd,
        )
        old = _original(rows, data.params, new, target_g)
        yield (
            write.assignment_id,
            new,
            old if original else None,
            phase,
            start,
            {"fit": new.weight_g["p50"], "scenario": old.weight_g["p50"], "level": level, **learned},
        )
    if history is not None:
        for assignment_id, segments in computed:
            history.add(
                assignment_id, segments, fresh=fresh.get(assignment_id, False), handled=handled.get(assignment_id, [])
            )


as_of_forecasts = _forecasts


def _recent(r) -> tuple:
    """A computed row as ``assignment_projection`` reads a stored one (stored precision)."""
    return (
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


def _original(rows, params, new, target_g: float):
    """The original method: the same start, temperature bias and mortality, the scenario's TGC, no band."""
    from apps.batch.engine.temperature import profile_temperature
    from apps.forecast.engine import MortalityEstimate, ProjectionStart, TemperatureBias
    from apps.forecast.engine.estimates import BIAS_DAYS

    last = rows[-1]
    diffs = [
        r[5] - profile_temperature(params.profile, r[1])
        for r in rows
        if r[7] == "measured" and (last[0] - r[0]).days < BIAS_DAYS
    ]
    bias = max(-2.0, min(2.0, sum(diffs) / len(diffs))) if diffs else 0.0
    return project(
        start=ProjectionStart(date=last[0], day_number=last[1], weight_g=last[2], population=last[3], stage_id=last[4]),
        horizon_days=BACKTEST_HORIZON_DAYS,
        params=params,
        performance=ORIGINAL,
        bias=TemperatureBias(bias, 0.0, len(diffs)),
        mortality=MortalityEstimate(params.mortality_daily_by_stage.get(last[4], params.mortality_daily), 0.0, "model"),
        target_weight_g=target_g,
    )


def _score_weights(scores: Scores, truth: dict[dt.date, float], as_of: dt.date, new, original) -> None:
    for horizon in HORIZONS:
        true = truth.get(as_of + dt.timedelta(days=horizon))
        if true is None or horizon > new.days:
            continue
        i = horizon - 1
        scores.new_ape[horizon].append(abs(new.weight_g["p50"][i] - true) / true)
        scores.new_error[horizon].append((new.weight_g["p50"][i] - true) / true)
        scores.original_ape[horizon].append(abs(original.weight_g["p50"][i] - true) / true)
        scores.inside[horizon].append(new.weight_g["p10"][i] <= true <= new.weight_g["p90"][i])


def _score_harvest(scores: Scores, true_date: dt.date, as_of: dt.date, new, original) -> None:
    lead = (true_date - as_of).days
    if new.harvest_date is None or original.harvest_date is None:
        scores.missed_harvest[lead] += 1
        return
    scores.new_harvest[lead].append((new.harvest_date - true_date).days)
    scores.original_harvest[lead].append((original.harvest_date - true_date).days)
    late = new.harvest_date_late or dt.date.max
    scores.harvest_inside[lead].append(new.harvest_date_early <= true_date <= late)


def scores_table(scores: Scores) -> list[str]:
    """The printed table: one line per figure, new method beside the original."""

    def pct(v):
        return "-" if v is None else f"{v:5.2f} %"

    def days(v):
        return "-" if v is None else f"{v:5.1f} d"

    lines = [f"{'figure':<42}{'n':>6}  {'new':>10}  {'original':>10}"]
    for h in HORIZONS:
        lines.append(
            f"{f'weight MAPE at +{h} days':<42}{len(scores.new_ape[h]):>6}  {pct(scores.mape(h)):>10}  {pct(scores.mape(h, True)):>10}"
        )
    for h in HORIZONS:
        lines.append(
            f"{f'P50 bias at +{h} days':<42}{len(scores.new_error[h]):>6}  {pct(scores.bias(h)):>10}  {'':>10}"
        )
    for h in HORIZONS:
        lines.append(
            f"{f'P10-P90 coverage at +{h} days':<42}{len(scores.inside[h]):>6}  {pct(scores.coverage(h)):>10}  {'no band':>10}"
        )
    lines.append(
        f"{'P10-P90 coverage, all horizons':<42}{sum(len(v) for v in scores.inside.values()):>6}  {pct(scores.coverage()):>10}  {'no band':>10}"
    )
    for lead in LEADS:
        n = len(scores.new_harvest[lead])
        lines.append(
            f"{f'median |harvest-date error|, {lead} d before':<42}{n:>6}  {days(scores.harvest_error(lead)):>10}  {days(scores.harvest_error(lead, True)):>10}"
        )
    for lead in LEADS:
        hits = scores.harvest_inside[lead]
        share = 100 * statistics.fmean(hits) if hits else None
        lines.append(
            f"{f'harvest date inside P10-P90, {lead} d before':<42}{len(hits):>6}  {pct(share):>10}  {'no band':>10}"
        )
    if scores.calibrated:
        done = sum(scores.calibrated.values())
        lines.append(
            f"(band calibrated from the past on {done} of {len(scores.calibrated)} as-of dates; closed form on the rest)"
        )
    if scores.options:
        lines.append(
            "(growth chosen from the past: "
            + ", ".join(f"{k} {v}" for k, v in sorted(scores.options.items()))
            + " forecasts)"
        )
    return lines
