"""``compute_assignment``: the actual daily states of one assignment (docs/engine.md §1-§7).

Every row is the *end* of its day; the start state is the start of ``first_day``. Passes, in order:
temperatures, anchors in range, weights and stages, weight provenance, then one loop for population, feed,
biomass and FCR that builds the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from apps.batch.engine.confidence import (
    FCR_OBSERVED,
    FEED_ACTUAL,
    MORTALITY_ACTUAL,
    SOURCES,
    WARNING_POPULATION_CLAMPED,
    WARNING_WEIGHT_CAPPED,
    confidence_dict,
    sources_index,
    weight_kinds_and_confidences,
    with_warning,
)
from apps.batch.engine.feed import MAX_FCR, MIN_GAIN_KG
from apps.batch.engine.growth import MAX_WEIGHT_G, weight_track
from apps.batch.engine.population import settle_negative
from apps.batch.engine.stage import Rules, mortality_rates, stage_rules
from apps.batch.engine.temperature import daily_temperatures
from apps.batch.engine.types import Anchor, AssignmentInputs, DayResult, ModelParams

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Days:
    """Per-day values computed before the row loop, one entry per day of the run."""

    dates: list[dt.date]
    day_numbers: range
    stages: list[int]
    weights: list[float]
    temps: list[float]
    sources_base: list[int]
    weight_confs: list[float]
    temp_confs: list[float]
    anchor_types: list[str | None]


def compute_assignment(inputs: AssignmentInputs, params: ModelParams) -> list[DayResult]:
    """One DayResult per day from ``inputs.first_day`` to ``inputs.last_day`` inclusive ([] if empty).

    Pure and deterministic. Restartable: a run started on an anchor day A from the stored (rounded) row of
    A - 1 returns, from A on, rows equal field for field to a run from the assignment's first day.
    Raises ValueError for a non-positive starting or anchor weight.
    """
    n_days = (inputs.last_day - inputs.first_day).days + 1
    if n_days <= 0:
        return []
    rules = stage_rules(params, (inputs.start.stage_id,), freshwater=inputs.freshwater)
    days = _prepare_days(inputs, params, rules, n_days)
    return _build_rows(inputs, days, mortality_rates(params, rules))


def _prepare_days(inputs: AssignmentInputs, params: ModelParams, rules: Rules, n_days: int) -> _Days:
    """Everything about each day that does not depend on the population: date, temperature, weight, stage
    and the weight and temperature provenance."""
    first = inputs.first_day.toordinal()
    first_day_number = (inputs.first_day - inputs.batch_start_date).days + 1
    anchors = _anchors_in_range(inputs.anchors, first, n_days)
    _check_weights(inputs.start.weight_g, anchors)
    temps, temp_codes, temp_confs = daily_temperatures(
        inputs.daily_temps_c, inputs.first_day, n_days, first_day_number, params.profile
    )
    weights, stages = weight_track(
        inputs.start.weight_g, inputs.start.stage_id, [(i, a.weight_g) for i, a in anchors], temps, rules
    )
    weight_kinds, weight_confs = weight_kinds_and_confidences(n_days, [(i, a.confidence) for i, a in anchors])
    anchor_types: list[str | None] = [None] * n_days
    for i, anchor in anchors:
        anchor_types[i] = anchor.kind
    return _Days(
        dates=[dt.date.fromordinal(first + i) for i in range(n_days)],
        day_numbers=range(first_day_number, first_day_number + n_days),
        stages=stages,
        weights=weights,
        temps=temps,
        sources_base=[sources_index(w, t) for w, t in zip(weight_kinds, temp_codes)],
        weight_confs=weight_confs,
        temp_confs=temp_confs,
        anchor_types=anchor_types,
    )


def _anchors_in_range(anchors: Mapping[dt.date, Anchor], first: int, n_days: int) -> list[tuple[int, Anchor]]:
    """Sorted (day index, anchor) pairs of the anchors inside the run; the rest are ignored."""
    found = ((d.toordinal() - first, a) for d, a in anchors.items())
    return sorted(((i, a) for i, a in found if 0 <= i < n_days), key=lambda pair: pair[0])


def _check_weights(start_weight_g: float, anchors: list[tuple[int, Anchor]]) -> None:
    if not start_weight_g > 0.0:
        raise ValueError(f"starting weight must be positive, got {start_weight_g!r} g")
    for _, anchor in anchors:
        if not anchor.weight_g > 0.0:
            raise ValueError(f"anchor weight must be positive, got {anchor.weight_g!r} g")


def _by_index(values: Mapping[dt.date, T], first: int, n_days: int, default: T) -> list[T]:
    """``values`` laid out as a list over the run's days, ``default`` where a day has no value."""
    out = [default] * n_days
    for day, value in values.items():
        i = day.toordinal() - first
        if 0 <= i < n_days:
            out[i] = value
    return out


def _build_rows(inputs: AssignmentInputs, days: _Days, rates: dict[int, float]) -> list[DayResult]:
    """The row loop: deaths, population, biomass, feed and FCR, one DayResult per day.

    The hot path inlines population.model_deaths, feed.grown_biomass_kg and feed.observed_fcr (same
    arithmetic, same order); tests pin them together.
    """
    first, n_days = inputs.first_day.toordinal(), len(days.weights)
    recorded_deaths = _by_index(inputs.mortality, first, n_days, None)
    recorded_feed = _by_index(inputs.feed_kg, first, n_days, None)
    moved_in = _by_index(inputs.transfers_in, first, n_days, 0)
    moved_out = _by_index(inputs.transfers_out, first, n_days, 0)
    population = inputs.start.population
    previous_biomass = inputs.start.biomass_kg
    stage_at_start = inputs.start.stage_id
    rows: list[DayResult] = []
    append = rows.append
    for (
        date,
        day_number,
        stage,
        weight,
        temp,
        base,
        weight_conf,
        temp_conf,
        anchor_type,
        deaths,
        feed,
        t_in,
        t_out,
    ) in zip(
        days.dates,
        days.day_numbers,
        days.stages,
        days.weights,
        days.temps,
        days.sources_base,
        days.weight_confs,
        days.temp_confs,
        days.anchor_types,
        recorded_deaths,
        recorded_feed,
        moved_in,
        moved_out,
    ):
        if deaths is None:
            deaths = round(rates[stage_at_start] * population)
            flags = 0
        else:
            flags = MORTALITY_ACTUAL
        population += t_in - t_out - deaths
        clamped = False
        if population < 0:
            population, deaths, clamped = settle_negative(
                population - t_in + t_out + deaths, t_in, t_out, deaths, flags != 0
            )
        biomass = population * weight / 1000.0
        fcr = None
        if feed is None:
            feed = 0.0
        else:
            flags |= FEED_ACTUAL
            if feed > 0.0:
                gain = biomass - round(previous_biomass, 2) - (t_in - t_out) * weight / 1000.0
                if gain > MIN_GAIN_KG:
                    fcr = min(feed / gain, MAX_FCR)
                    flags |= FCR_OBSERVED
        sources = SOURCES[base + flags]
        if clamped:
            sources = with_warning(sources, WARNING_POPULATION_CLAMPED)
        if weight >= MAX_WEIGHT_G and anchor_type is None:
            sources = with_warning(sources, WARNING_WEIGHT_CAPPED)
        append(
            DayResult(
                date,
                day_number,
                stage,
                weight,
                population,
                biomass,
                temp,
                deaths,
                feed,
                fcr,
                anchor_type,
                sources,
                confidence_dict(weight_conf, temp_conf, flags),
            )
        )
        previous_biomass = biomass
        stage_at_start = stage
    return rows
