"""The temperature used for each day of a run (docs/engine.md §2).

Fallback chain for one day: the day's measured mean; else linear interpolation between the nearest measured
days before and after (each within 7 days); else the single nearest measured day within 7 days; else the
scenario's temperature profile at the day number. Temperatures are daily means in °C.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Mapping
from functools import lru_cache

MEASURED = 0
INTERPOLATED = 1
NEAREST_BEFORE = 2
NEAREST_AFTER = 3
PROFILE = 4

#: source name of each code above, in code order
SOURCE_NAMES = ("measured", "interpolated", "nearest_before", "nearest_after", "profile")

MAX_GAP_DAYS = 7
_CONF_MEASURED = 1.0
_CONF_NEAREST = 0.6
_CONF_PROFILE = 0.5


@lru_cache(maxsize=64)
def interpolation_confidence(span_days: int) -> float:
    """Confidence of a temperature interpolated across ``span_days`` (before to after), 4 dp."""
    return round(max(0.4, 0.9 - span_days / 30), 4)


def profile_temperature(profile: tuple[tuple[int, float], ...], day_number: int) -> float:
    """The profile's °C at ``day_number``: linear between profile days, end values held outside them.

    ``profile`` is sorted (day_number, temp_c) pairs, never empty.
    """
    days = [d for d, _ in profile]
    return _profile_at(profile, days, day_number)


def profile_series(profile: tuple[tuple[int, float], ...], first_day_number: int, n_days: int) -> list[float]:
    """``profile_temperature`` of ``n_days`` day numbers from ``first_day_number``: what ``daily_temperatures``
    gives where nothing was measured."""
    days = [d for d, _ in profile]
    return [_profile_at(profile, days, first_day_number + i) for i in range(max(0, n_days))]


def _profile_at(profile, days: list[int], day_number: int) -> float:
    i = bisect_left(days, day_number)
    if i < len(days) and days[i] == day_number:
        return profile[i][1]
    if i == 0:
        return profile[0][1]
    if i == len(days):
        return profile[-1][1]
    (d0, t0), (d1, t1) = profile[i - 1], profile[i]
    return t0 + (t1 - t0) * (day_number - d0) / (d1 - d0)


def daily_temperatures(
    measured_c: Mapping[dt.date, float],
    first_day: dt.date,
    n_days: int,
    first_day_number: int,
    profile: tuple[tuple[int, float], ...],
) -> tuple[list[float], list[int], list[float]]:
    """Temperature, source code and confidence for each of ``n_days`` days from ``first_day``.

    ``measured_c`` holds daily means and may cover days outside the range (only days within 7 days of it
    are read). ``first_day_number`` is the day number of ``first_day``. Returns three lists of length
    ``n_days``: °C, a source code (index into ``SOURCE_NAMES``) and a confidence in [0, 1] (4 dp).
    """
    first = first_day.toordinal()
    lo, hi = first - MAX_GAP_DAYS, first + n_days + MAX_GAP_DAYS
    points = sorted((d.toordinal(), t) for d, t in measured_c.items() if lo <= d.toordinal() < hi)
    ords = [o for o, _ in points]
    profile_days = [d for d, _ in profile]
    temps: list[float] = []
    codes: list[int] = []
    confs: list[float] = []
    for i in range(n_days):
        temp, code, conf = _one_day(points, ords, first + i)
        if code == PROFILE:
            temp = _profile_at(profile, profile_days, first_day_number + i)
        temps.append(temp)
        codes.append(code)
        confs.append(conf)
    return temps, codes, confs


def _one_day(points, ords: list[int], day: int) -> tuple[float, int, float]:
    """(°C, code, confidence) from measured points; code PROFILE (and 0.0 °C) when none is near."""
    i = bisect_left(ords, day)
    after = i if i < len(ords) and ords[i] - day <= MAX_GAP_DAYS else None
    if after is not None and ords[after] == day:
        return points[after][1], MEASURED, _CONF_MEASURED
    before = i - 1 if i > 0 and day - ords[i - 1] <= MAX_GAP_DAYS else None
    if before is not None and after is not None:
        (d0, t0), (d1, t1) = points[before], points[after]
        span = d1 - d0
        return t0 + (t1 - t0) * (day - d0) / span, INTERPOLATED, interpolation_confidence(span)
    if before is not None:
        return points[before][1], NEAREST_BEFORE, _CONF_NEAREST
    if after is not None:
        return points[after][1], NEAREST_AFTER, _CONF_NEAREST
    return 0.0, PROFILE, _CONF_PROFILE
