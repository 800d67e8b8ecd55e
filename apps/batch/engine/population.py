"""Population and deaths (docs/engine.md §5).

Counts are whole fish. Mortality rates are daily fractions of yesterday's population.
"""

from __future__ import annotations


def daily_rate_from_weekly(weekly_fraction: float) -> float:
    """The daily fraction equivalent to ``weekly_fraction`` compounded over 7 days: 1 - (1 - w)^(1/7).

    0.01 (1 %/week) -> 0.0014347 (0.14347 %/day). Raises ValueError outside [0, 1].
    """
    if not 0.0 <= weekly_fraction <= 1.0:
        raise ValueError(f"weekly mortality fraction {weekly_fraction!r} is not within [0, 1]")
    return 1.0 - (1.0 - weekly_fraction) ** (1.0 / 7.0)


def model_deaths(daily_rate: float, population: int) -> int:
    """Deaths the model expects in a day: ``daily_rate`` x yesterday's population, rounded half to even."""
    return round(daily_rate * population)


def settle_negative(
    population: int, transferred_in: int, transferred_out: int, deaths: int, deaths_recorded: bool
) -> tuple[int, int, bool]:
    """(population, deaths, clamped) for a day whose arithmetic went below zero fish.

    Model deaths are an estimate: they shrink to the fish actually left after the transfers, and that
    alone is not a data problem. Recorded deaths are facts and are kept as recorded. If the population is
    still negative, it is clamped to 0 and ``clamped`` is True (the caller logs a data-quality warning).
    """
    available = population + transferred_in - transferred_out
    if not deaths_recorded:
        deaths = min(deaths, max(available, 0))
    left = available - deaths
    if left < 0:
        return 0, deaths, True
    return left, deaths, False
