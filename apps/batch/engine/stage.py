"""Per-stage rules of a scenario and the stage-advance rule (docs/engine.md §4).

A *stage rule* is the tuple ``(c, max_g, next_stage_id)``: ``c`` is the TGC per day-degree in cube-root grams
(the stored TGC divided by 1000), ``max_g`` the top of the stage's expected weight band and
``next_stage_id`` the stage that follows (None for the last stage). Tuples, not objects, because the growth
loops unpack them on every stage change.
"""
from __future__ import annotations

from collections.abc import Iterable

from apps.batch.engine.types import ModelParams

StageRule = tuple[float, float, "int | None"]
Rules = dict[int, StageRule]

_NO_MAX_G = float("inf")


def tgc_per_day_degree(tgc: float) -> float:
    """The stored TGC (per 1000, e.g. 3.0) as the daily cube-root increment per °C (0.003).

    A stored value below 0.01 is already divided by 1000 and is used as is.
    """
    return tgc if tgc < 0.01 else tgc / 1000.0


def stage_rules(params: ModelParams, extra_stage_ids: Iterable[int] = ()) -> Rules:
    """Rules for every stage the run can reach, so the loops never miss a key.

    Covers every stage in ``params.stages``, every ``next_stage_id`` they name and ``extra_stage_ids``
    (the starting stage). A stage unknown to ``params.stages`` never advances (``max_g`` = inf).
    """
    ids = set(params.stages) | set(extra_stage_ids)
    ids |= {s.next_stage_id for s in params.stages.values() if s.next_stage_id is not None}
    return {stage_id: _rule(params, stage_id) for stage_id in ids}


def _rule(params: ModelParams, stage_id: int) -> StageRule:
    c = tgc_per_day_degree(params.tgc_by_stage.get(stage_id, params.tgc))
    stage = params.stages.get(stage_id)
    if stage is None:
        return (c, _NO_MAX_G, None)
    return (c, stage.max_g, stage.next_stage_id)


def mortality_rates(params: ModelParams, stage_ids: Iterable[int]) -> dict[int, float]:
    """Daily model mortality fraction per stage: the stage override, else the model value."""
    return {s: params.mortality_daily_by_stage.get(s, params.mortality_daily) for s in stage_ids}


def stage_after_day(stage_id: int, weight_g: float, rules: Rules) -> int:
    """The stage at the end of a day that started in ``stage_id`` and ended at ``weight_g``.

    Advances one step when the weight reaches the stage's maximum and a next stage exists; never more than
    one step a day, never backwards. (The growth loops inline this rule for speed.)
    """
    _, max_g, next_id = rules[stage_id]
    if next_id is not None and weight_g >= max_g:
        return next_id
    return stage_id
