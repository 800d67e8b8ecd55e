"""Stage advance (docs/engine.md §4)."""

from apps.batch.engine import Stage, compute_assignment
from apps.batch.engine.stage import stage_after_day, stage_rules
from tests.engine.builders import ADULT, POST_SMOLT, SMOLT, day, inputs, params, sample


def stages(rows):
    return [r.stage_id for r in rows]


def test_the_stage_advances_on_the_day_the_weight_reaches_the_band_maximum():
    # a sample of exactly 180 g (the smolt maximum) on day 3
    run = inputs(4, weight_g=170.0, temp_c=0.0, anchors={day(3): sample(180.0)})
    rows = compute_assignment(run, params())
    assert stages(rows) == [SMOLT, SMOLT, POST_SMOLT, POST_SMOLT]


def test_the_stage_advances_at_most_one_step_a_day():
    # 100 g fish registered as egg & alevin (max 0.5 g) catch up one stage a day
    rows = compute_assignment(inputs(5, stage_id=1), params())
    assert stages(rows) == [2, 3, SMOLT, SMOLT, SMOLT]


def test_the_growth_of_a_day_uses_the_stage_at_the_start_of_the_day():
    # fry (stage 2) grow with TGC 1.0, parr with 3.0: day 1 is a fry day although it ends in parr
    rows = compute_assignment(inputs(2, stage_id=2), params(tgc_by_stage={2: 1.0}))
    x0 = 100.0 ** (1 / 3)
    assert abs(rows[0].avg_weight_g - (x0 + 0.01) ** 3) < 1e-9
    assert abs(rows[1].avg_weight_g - (x0 + 0.01 + 0.03) ** 3) < 1e-9


def test_the_last_stage_never_advances():
    rows = compute_assignment(inputs(3, weight_g=8000.0, stage_id=ADULT), params())
    assert stages(rows) == [ADULT] * 3


def test_a_stage_unknown_to_the_species_never_advances_and_grows_with_the_model_tgc():
    rows = compute_assignment(inputs(2, weight_g=100.0, stage_id=99), params())
    assert stages(rows) == [99, 99]
    assert abs(rows[0].avg_weight_g - (100.0 ** (1 / 3) + 0.03) ** 3) < 1e-9


def test_a_lighter_sample_never_moves_the_stage_back():
    anchors = {day(2): sample(190.0), day(4): sample(100.0)}
    rows = compute_assignment(inputs(4, weight_g=170.0, anchors=anchors), params())
    assert stages(rows) == [SMOLT, POST_SMOLT, POST_SMOLT, POST_SMOLT]
    assert rows[3].avg_weight_g == 100.0


def test_the_reported_stage_follows_the_calibrated_weights_not_the_model():
    # the model alone reaches 180 g on day 4; a heavy sample on day 10 puts the curve past it on day 2
    rows = compute_assignment(inputs(10, weight_g=170.0, anchors={day(10): sample(250.0)}), params())
    first_heavy = next(i for i, r in enumerate(rows) if r.avg_weight_g >= 180.0)
    assert first_heavy == 1
    assert stages(rows)[:3] == [SMOLT, POST_SMOLT, POST_SMOLT]


def test_stage_after_day_is_the_rule_the_loops_apply():
    rules = stage_rules(params(stages={1: Stage(1, 1, 0.0, 10.0, 2), 2: Stage(2, 2, 10.0, 20.0, None)}))
    assert stage_after_day(1, 9.99, rules) == 1
    assert stage_after_day(1, 10.0, rules) == 2
    assert stage_after_day(2, 1000.0, rules) == 2
