"""Weight: the TGC model, anchors and per-segment calibration (docs/engine.md §3).

The model grows the cube root of the weight by ``c * T`` a day (``c`` = TGC / 1000 of the stage at the
start of the day, ``T`` the day's °C; no growth when T <= 0). Between two anchors (the starting weight
counts as the first) the model's daily cube-root increments are scaled by one factor so the curve passes
through both weights: the segment's realised TGC. After the last anchor the model grows forward unscaled.

Weights are grams, unrounded. Day lists are indexed from 0 = the run's first day.
"""

from __future__ import annotations

from apps.batch.engine.stage import Rules

ONE_THIRD = 1.0 / 3.0

#: the model never grows a fish beyond this (g): the largest measured weight the records accept, so every
#: computed weight fits the daily-state column however long and warm the forward run
MAX_WEIGHT_G = 50_000.0

#: a transfer's measured weight times this factor undoes the bias of how the weighed fish were picked
SELECTION_BIAS_FACTORS = {"AVERAGE": 1.0, "LARGEST": 0.88, "SMALLEST": 1.12}


def transfer_anchor_weight(measured_g: float, selection_method: str) -> float:
    """A transfer's measured average weight (g) corrected for the selection of the weighed fish.

    LARGEST fish overstate the average (x 0.88), SMALLEST understate it (x 1.12), AVERAGE is unbiased.
    Raises ValueError for any other method.
    """
    factor = SELECTION_BIAS_FACTORS.get(selection_method.upper())
    if factor is None:
        raise ValueError(f"unknown selection method {selection_method!r}")
    return measured_g * factor


def weight_track(
    start_weight_g: float,
    start_stage_id: int,
    anchors: list[tuple[int, float]],
    temps: list[float],
    rules: Rules,
) -> tuple[list[float], list[int]]:
    """End-of-day weight (g) and stage of every day of a run.

    ``anchors`` are sorted (day index, weight_g) pairs inside the run. Each anchor day gets exactly its
    weight; the days between two anchors follow the calibrated model; the days after the last anchor follow
    the model. Everything from an anchor on depends only on the anchor's weight, the stage at the end of
    its day, later anchors, temperatures and rules -- which is what makes a restart exact.
    """
    weights: list[float] = []
    stages: list[int] = []
    weight_g, stage_id, lo = start_weight_g, start_stage_id, 0
    for index, anchor_g in anchors:
        x0 = weight_g**ONE_THIRD
        increments = model_increments(x0, stage_id, temps, lo, index + 1, rules)
        segment = calibrated_segment(x0, anchor_g, increments)
        segment_stages = stages_along(segment, stage_id, rules)
        weights += segment
        stages += segment_stages
        weight_g, stage_id, lo = anchor_g, segment_stages[-1], index + 1
    tail_weights, tail_stages = grow_forward(weight_g, stage_id, temps, lo, len(temps), rules)
    weights += tail_weights
    stages += tail_stages
    return weights, stages


def model_increments(x0: float, stage_id: int, temps: list[float], lo: int, hi: int, rules: Rules) -> list[float]:
    """The uncalibrated model's daily cube-root increments for days ``lo``..``hi - 1``.

    Starts from cube root ``x0`` in ``stage_id``; the stage used for each day's TGC follows this
    uncalibrated run (it advances when the model weight reaches the stage's maximum). Increments are >= 0.
    """
    c, max_g, next_id = rules[stage_id]
    x = x0
    increments: list[float] = []
    for t in temps[lo:hi]:
        inc = c * t if t > 0.0 else 0.0
        increments.append(inc)
        x += inc
        if next_id is not None and x * x * x >= max_g:
            c, max_g, next_id = rules[next_id]
    return increments


def calibrated_segment(x0: float, end_weight_g: float, increments: list[float]) -> list[float]:
    """Weights (g) for the days of a segment that starts at cube root ``x0`` and ends on an anchor.

    The increments are scaled by one factor k = (cbrt(end) - x0) / sum(increments), so the curve has no
    jump at either end; if they sum to 0 (a cold segment) the cube root is interpolated linearly over the
    days. The last day is ``end_weight_g`` exactly. A lighter anchor gives a falling curve (k < 0).
    """
    n = len(increments)
    x_end = end_weight_g**ONE_THIRD
    rise = x_end - x0
    total = sum(increments)
    weights: list[float] = []
    if total > 0.0:
        cumulative = 0.0
        for inc in increments[:-1]:
            cumulative += inc
            # k * cumulative, as rise * share: the share stays in [0, 1] however small the total
            y = x0 + rise * (cumulative / total)
            weights.append(y * y * y)
    else:
        for j in range(1, n):
            y = x0 + rise * j / n
            weights.append(y * y * y)
    weights.append(end_weight_g)
    return weights


def stages_along(weights: list[float], stage_id: int, rules: Rules) -> list[int]:
    """End-of-day stage for each weight, starting from ``stage_id`` (stage.stage_after_day, inlined)."""
    _, max_g, next_id = rules[stage_id]
    stages: list[int] = []
    for w in weights:
        if next_id is not None and w >= max_g:
            stage_id = next_id
            _, max_g, next_id = rules[stage_id]
        stages.append(stage_id)
    return stages


def grow_forward(
    weight_g: float, stage_id: int, temps: list[float], lo: int, hi: int, rules: Rules
) -> tuple[list[float], list[int]]:
    """Weights (g) and end-of-day stages of the model for days ``lo``..``hi - 1``, from ``weight_g``.

    Each day uses the TGC of the stage at its start. A day at or below 0 °C keeps the weight exactly.
    Chained in floats without rounding, so it equals the closed form (W0^(1/3) + sum c*T)^3 to float
    precision -- up to ``MAX_WEIGHT_G``, where the weight stays.
    """
    c, max_g, next_id = rules[stage_id]
    x = weight_g**ONE_THIRD
    w = weight_g
    weights: list[float] = []
    stages: list[int] = []
    for t in temps[lo:hi]:
        if t > 0.0:
            x += c * t
            w = x * x * x
            if w > MAX_WEIGHT_G:
                w, x = MAX_WEIGHT_G, MAX_WEIGHT_G**ONE_THIRD
        if next_id is not None and w >= max_g:
            stage_id = next_id
            c, max_g, next_id = rules[stage_id]
        weights.append(w)
        stages.append(stage_id)
    return weights, stages
