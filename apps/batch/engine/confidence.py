"""Where each value of a day came from (``sources``) and how sure we are of it (``confidence``).

Confidence depends only on anchor positions, the day and the day's inputs -- never on where a run started
-- so a restarted run reports the same figures as a full one. Values lie in [0, 1], rounded to 4 dp.

The engine hands out *shared* dicts: every row with the same combination gets the same dict object (a
backfill builds hundreds of thousands of rows). Treat them as read-only.
"""

from __future__ import annotations

from functools import lru_cache

from apps.batch.engine.temperature import SOURCE_NAMES as TEMP_SOURCE_NAMES

WEIGHT_MEASURED = 0
WEIGHT_INTERPOLATED = 1
WEIGHT_TGC = 2
WEIGHT_SOURCE_NAMES = ("measured", "interpolated", "tgc_computed")

# flag bits of a row, known only while the row is built
MORTALITY_ACTUAL = 4
FEED_ACTUAL = 2
FCR_OBSERVED = 1

WARNING_POPULATION_CLAMPED = "population_clamped"
WARNING_WEIGHT_CAPPED = "weight_capped"  # the model reached growth.MAX_WEIGHT_G and stopped there


def sources_index(weight_kind: int, temp_code: int) -> int:
    """Base index into ``SOURCES`` for a day's weight kind and temperature code; add the row's flags."""
    return (weight_kind * len(TEMP_SOURCE_NAMES) + temp_code) * 8


def _sources(weight_kind: int, temp_code: int, flags: int) -> dict[str, str]:
    return {
        "weight": WEIGHT_SOURCE_NAMES[weight_kind],
        "temp": TEMP_SOURCE_NAMES[temp_code],
        "mortality": "actual" if flags & MORTALITY_ACTUAL else "model",
        "feed": "actual" if flags & FEED_ACTUAL else "none",
        "fcr": "observed" if flags & FCR_OBSERVED else "insufficient_data",
    }


#: every possible ``sources`` dict, indexed by sources_index(...) + flags
SOURCES: tuple[dict[str, str], ...] = tuple(
    _sources(w, t, flags)
    for w in range(len(WEIGHT_SOURCE_NAMES))
    for t in range(len(TEMP_SOURCE_NAMES))
    for flags in range(8)
)


def with_warning(sources: dict[str, str], warning: str) -> dict:
    """A fresh copy of ``sources`` with ``warning`` added to its ``warnings`` list."""
    return {**sources, "warnings": [*sources.get("warnings", ()), warning]}


def between_anchors_confidence(days_to_nearer_anchor: int) -> float:
    """Weight confidence on a day between two anchors: 0.95 next to one, -0.01 a day, floor 0.5."""
    return round(max(0.5, 0.95 - 0.01 * days_to_nearer_anchor), 4)


def after_anchor_confidence(days_since_anchor: int) -> float:
    """Weight confidence after the last anchor: 0.8 the day after, -0.01 a day, floor 0.2 (day 61 on)."""
    return round(max(0.2, 0.8 - 0.01 * (days_since_anchor - 1)), 4)


def anchor_confidence(confidence: float) -> float:
    """Weight confidence on an anchor day: the anchor's own confidence, clipped to [0, 1], 4 dp."""
    return round(min(1.0, max(0.0, confidence)), 4)


def weight_kinds_and_confidences(n_days: int, anchors: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
    """Weight source code and confidence of each day of a run.

    ``anchors`` are sorted (day index, anchor confidence) pairs. The run's start (index -1) bounds the
    first segment like an anchor. Days after the last anchor are WEIGHT_TGC, falling with days since it.
    """
    kinds: list[int] = []
    confs: list[float] = []
    previous = -1
    for index, confidence in anchors:
        span = index - previous
        kinds += [WEIGHT_INTERPOLATED] * (span - 1)
        confs += [_between(min(j, span - j)) for j in range(1, span)]
        kinds.append(WEIGHT_MEASURED)
        confs.append(anchor_confidence(confidence))
        previous = index
    kinds += [WEIGHT_TGC] * (n_days - 1 - previous)
    confs += [_after(j) for j in range(1, n_days - previous)]
    return kinds, confs


_between = lru_cache(maxsize=128)(between_anchors_confidence)
_after = lru_cache(maxsize=128)(after_anchor_confidence)

_CONFIDENCE_CACHE: dict[tuple[float, float, int], dict[str, float]] = {}
_CONFIDENCE_CACHE_LIMIT = 50_000


def confidence_dict(weight: float, temp: float, flags: int) -> dict[str, float]:
    """The shared confidence dict of a row (weight and temp confidences, the row's flag bits).

    mortality 1.0 recorded / 0.4 model; feed 1.0 recorded / 0.0 none; an observed FCR is as sure as the
    day's weight, a missing one 0.0.
    """
    key = (weight, temp, flags)
    found = _CONFIDENCE_CACHE.get(key)
    if found is None:
        if len(_CONFIDENCE_CACHE) >= _CONFIDENCE_CACHE_LIMIT:
            _CONFIDENCE_CACHE.clear()
        found = _CONFIDENCE_CACHE[key] = {
            "weight": weight,
            "temp": temp,
            "mortality": 1.0 if flags & MORTALITY_ACTUAL else 0.4,
            "feed": 1.0 if flags & FEED_ACTUAL else 0.0,
            "fcr": weight if flags & FCR_OBSERVED else 0.0,
        }
    return found
