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


def stage_rules(params: ModelParams, extra_stage_ids: Iterable[int] = (), *, freshwater: bool = False) -> Rules:
    """Rules for every stage the run can reach, so the loops never miss a key.

    Covers every stage in ``params.stages``, every ``next_stage_id`` they name and ``extra_stage_ids``
    (the starting stage). A stage unknown to ``params.stages`` never advances (``max_g`` = inf).
    ``freshwater``: the water decides (docs/engine.md §4): a stage whose next stage is lived at sea does not
    advance, whatever the weight, and a stage lived at sea (one recorded on fish still in fresh water) grows
    on the TGC of the last fresh-water stage before it and does not advance either.
    """
    ids = set(params.stages) | set(extra_stage_ids)
    ids |= {s.next_stage_id for s in params.stages.values() if s.next_stage_id is not None}
    rules = {stage_id: _rule(params, stage_id) for stage_id in ids}
    return _in_fresh_water(params, rules) if freshwater else rules


def _in_fresh_water(params: ModelParams, rules: Rules) -> Rules:
    stages = params.stages
    at_sea = {s for s in rules if s in stages and stages[s].at_sea}
    if not at_sea:
        return rules
    fresh = [s for s in stages.values() if not s.at_sea]
    last_fresh_c = rules[max(fresh, key=lambda s: s.order).id][0] if fresh else None
    out: Rules = {}
    for stage_id, (c, max_g, next_id) in rules.items():
        if stage_id in at_sea:
            out[stage_id] = (last_fresh_c if last_fresh_c is not None else c, _NO_MAX_G, None)
        elif next_id in at_sea:
            out[stage_id] = (c, _NO_MAX_G, None)
        else:
            out[stage_id] = (c, max_g, next_id)
    return out


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
