"""The forecast summary from stored crossings (docs/forecast.md "Summary"): the fish and biomass of a crossing, its
planning flag, and the farm's crossings summed by ISO week. Pure: no Django, no clock.

A crossing is an assignment's harvest or sea transfer: the first day its P50 weight reaches the threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from apps.forecast.engine.estimates import MortalityEstimate
from apps.forecast.engine.projection import biomass_quantiles, population_on

PLANNED = "PLANNED"
NEEDS_PLANNING = "NEEDS_PLANNING"
PROJECTED = "PROJECTED"
FLAGS_BY_URGENCY = (NEEDS_PLANNING, PLANNED, PROJECTED)
QUANTILES = ("p10", "p50", "p90")
KINDS = ("harvest", "sea_transfer")


@dataclass(frozen=True)
class StoredCrossing:
    """One stored crossing of an assignment's projection; ``weight_g`` the P10/P50/P90 weights on ``date``."""

    date: dt.date | None
    date_p10: dt.date | None
    date_p90: dt.date | None
    weight_g: tuple[float, float, float] | None


def crossing_body(
    crossing: StoredCrossing, *, as_of: dt.date, start_population: int, mortality: MortalityEstimate, flag: str
) -> dict:
    """The crossing with the P10/P50/P90 weight, population and biomass of its day (None beyond the horizon):
    the population as the projection has it that day (its death-rate band), biomass as the projection combines
    them; population rounded to fish, biomass to 0.1 kg, as the projection endpoint gives them."""
    body = {
        "date": crossing.date,
        "date_p10": crossing.date_p10,
        "date_p90": crossing.date_p90,
        "flag": flag,
        "weight_g": None,
        "population": None,
        "biomass_kg": None,
    }
    if crossing.date is None or crossing.weight_g is None:
        return body
    population = population_on(start_population, mortality, max(0, (crossing.date - as_of).days))
    numbers = tuple(population[q] for q in QUANTILES)
    body["weight_g"] = dict(zip(QUANTILES, crossing.weight_g))
    body["population"] = {q: round(n) for q, n in zip(QUANTILES, numbers)}
    body["biomass_kg"] = {q: round(b, 1) for q, b in zip(QUANTILES, biomass_quantiles(crossing.weight_g, numbers))}
    return body


def crossing_flag(date: dt.date | None, *, planned: bool, today: dt.date, planning_days: int) -> str:
    """PLANNED when an open planned activity covers the crossing; NEEDS_PLANNING when none does and it falls on or
    before ``today`` + ``planning_days`` (a crossing already past included); PROJECTED otherwise."""
    if planned:
        return PLANNED
    if date is not None and date <= today + dt.timedelta(days=planning_days):
        return NEEDS_PLANNING
    return PROJECTED


def assignment_flag(flags: Iterable[str]) -> str:
    """The most urgent of an assignment's crossing flags (NEEDS_PLANNING, then PLANNED); PROJECTED without one."""
    present = set(flags)
    return next((f for f in FLAGS_BY_URGENCY if f in present), PROJECTED)


def week_starts(today: dt.date, weeks: int) -> list[dt.date]:
    """The Mondays of ``weeks`` ISO weeks from the one holding ``today``."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday + dt.timedelta(weeks=i) for i in range(weeks)]


def weeks_end(today: dt.date, weeks: int) -> dt.date:
    """The day after the last of ``weeks`` ISO weeks from the one holding ``today``."""
    return week_starts(today, weeks)[-1] + dt.timedelta(days=7)


def week_index(day: dt.date, *, starts: Sequence[dt.date]) -> int | None:
    """Which of the weeks beginning on the Mondays ``starts`` holds ``day``: -1 before the first (overdue), None
    after the last."""
    index = (day - starts[0]).days // 7
    return max(index, -1) if index < len(starts) else None


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_totals(crossings: Sequence[tuple[str, dict]], *, today: dt.date, weeks: int) -> dict:
    """The farm's crossings by the ISO week of their P50 date: ``weeks`` weeks from this one, and ``overdue``
    (a P50 date before this week). ``crossings``: (kind, crossing body) pairs. Per week and kind the
    number of assignments, of those needing planning, and the sums of their population and biomass, each
    quantile summed separately (the sum of the P10s, of the P50s, of the P90s)."""
    starts = week_starts(today, weeks)
    out = [{"week": iso_week(s), "start_date": s, **{k: _empty() for k in KINDS}} for s in starts]
    overdue = {k: _empty() for k in KINDS}
    for kind, c in crossings:
        if c["date"] is None or c["population"] is None:
            continue
        index = week_index(c["date"], starts=starts)
        if index == -1:
            _add(overdue[kind], c)
        elif index is not None:
            _add(out[index][kind], c)
    for bucket in [overdue, *out]:
        for kind in KINDS:
            bucket[kind]["biomass_kg"] = {q: round(v, 1) for q, v in bucket[kind]["biomass_kg"].items()}
    return {"weeks": out, "overdue": overdue}


def _empty() -> dict:
    return {
        "assignments": 0,
        "needs_planning": 0,
        "population": dict.fromkeys(QUANTILES, 0),
        "biomass_kg": dict.fromkeys(QUANTILES, 0.0),
    }


def _add(bucket: dict, crossing: dict) -> None:
    bucket["assignments"] += 1
    bucket["needs_planning"] += crossing["flag"] == NEEDS_PLANNING
    for q in QUANTILES:
        bucket["population"][q] += crossing["population"][q]
        bucket["biomass_kg"][q] += crossing["biomass_kg"][q]
