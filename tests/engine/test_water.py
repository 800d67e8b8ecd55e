"""The water decides growth (docs/engine.md §4): fish in fresh water never reach a stage lived at sea."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.batch.engine import compute_assignment
from apps.batch.engine.stage import stage_rules
from tests.engine.builders import ADULT, POST_SMOLT, SMOLT, day, inputs, params, sample

#: the demo scenario's freshwater smolt and sea post-smolt TGC (per 1000)
SMOLT_TGC, SEA_TGC = 1.45, 2.4
WATER_PARAMS = params(tgc=2.8, tgc_by_stage={SMOLT: SMOLT_TGC, POST_SMOLT: SEA_TGC})


def _closed_form(weight_g: float, tgc: float, temp_c: float, days: int) -> float:
    return (weight_g ** (1 / 3) + tgc / 1000 * temp_c * days) ** 3


def test_a_200_g_smolt_in_a_fresh_water_tank_keeps_the_smolt_stage_and_its_growth():
    rows = compute_assignment(inputs(30, weight_g=200.0, stage_id=SMOLT, freshwater=True), WATER_PARAMS)
    assert {r.stage_id for r in rows} == {SMOLT}
    # (200^(1/3) + 0.00145 x 10 °C x 30 d)^3 = 248.03 g: thirty days on the smolt's TGC (2.4 would give 283.34)
    assert rows[-1].avg_weight_g == pytest.approx(_closed_form(200.0, SMOLT_TGC, 10.0, 30), rel=1e-12)
    assert round(rows[-1].avg_weight_g, 2) == 248.03


def test_the_same_smolt_in_a_sea_pen_takes_the_sea_stage_after_its_first_day():
    rows = compute_assignment(inputs(30, weight_g=200.0, stage_id=SMOLT, freshwater=False), WATER_PARAMS)
    assert rows[0].stage_id == POST_SMOLT and {r.stage_id for r in rows[1:]} <= {POST_SMOLT, ADULT}
    # day 1 on the smolt's TGC (the stage at its start), then 29 days on the post-smolt's
    x = 200.0 ** (1 / 3) + SMOLT_TGC / 1000 * 10.0 + SEA_TGC / 1000 * 10.0 * 29
    assert abs(rows[-1].avg_weight_g - x**3) < 1e-6


def test_a_transfer_to_sea_then_takes_the_sea_stage_from_the_tanks_last_weight():
    tank = compute_assignment(inputs(20, weight_g=200.0, stage_id=SMOLT, freshwater=True), WATER_PARAMS)
    pen = compute_assignment(
        inputs(10, weight_g=tank[-1].avg_weight_g, stage_id=tank[-1].stage_id, first_day=21, freshwater=False),
        WATER_PARAMS,
    )
    assert tank[-1].stage_id == SMOLT and pen[0].stage_id == POST_SMOLT
    assert tank[-1].avg_weight_g == pytest.approx(
        _closed_form(200.0, SMOLT_TGC, 10.0, 20), rel=1e-12
    )  # not the sea stage's 2.4


def test_a_sea_stage_recorded_on_fish_in_fresh_water_grows_on_the_last_fresh_water_stages_tgc():
    rows = compute_assignment(inputs(10, weight_g=300.0, stage_id=POST_SMOLT, freshwater=True), WATER_PARAMS)
    assert {r.stage_id for r in rows} == {POST_SMOLT}  # the record's stage, never advanced to Adult
    assert rows[-1].avg_weight_g == pytest.approx(_closed_form(300.0, SMOLT_TGC, 10.0, 10), rel=1e-12)


def test_weighings_between_anchors_in_fresh_water_keep_the_fresh_water_stage():
    anchors = {day(10): sample(260.0), day(20): sample(320.0)}
    rows = compute_assignment(
        inputs(25, weight_g=200.0, stage_id=SMOLT, freshwater=True, anchors=anchors), WATER_PARAMS
    )
    assert rows[9].avg_weight_g == 260.0 and rows[19].avg_weight_g == 320.0
    assert {r.stage_id for r in rows} == {SMOLT}


def test_rules_in_fresh_water_without_sea_stages_are_the_ordinary_rules():
    plain = params(stages={k: v for k, v in WATER_PARAMS.stages.items() if not v.at_sea})
    assert stage_rules(plain, freshwater=True) == stage_rules(plain)


@settings(max_examples=60, deadline=None)
@given(
    weight_g=st.floats(0.1, 3000.0),
    stage_id=st.sampled_from([1, 2, 3, SMOLT]),
    temp_c=st.floats(0.5, 18.0),
    days=st.integers(1, 200),
)
def test_no_fish_in_fresh_water_reaches_a_sea_stage_whatever_its_weight(weight_g, stage_id, temp_c, days):
    rows = compute_assignment(
        inputs(days, weight_g=weight_g, stage_id=stage_id, temp_c=temp_c, freshwater=True), WATER_PARAMS
    )
    assert all(not WATER_PARAMS.stages[r.stage_id].at_sea for r in rows)
