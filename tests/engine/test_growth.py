"""Weight: the TGC model, anchors and calibration (docs/engine.md §3, §11)."""

import pytest

from apps.batch.engine import compute_assignment, transfer_anchor_weight
from apps.batch.engine.growth import calibrated_segment, grow_forward
from apps.batch.engine.stage import stage_rules
from tests.engine.builders import POST_SMOLT, SMOLT, cube_root_steps, day, inputs, params, sample


def weights(rows):
    return [r.avg_weight_g for r in rows]


def test_the_forward_model_matches_the_closed_form_to_the_cent():
    # cube root of 100 g rises by 3.0 / 1000 * 10 = 0.03 a day: (4.6416 + 0.03)^3 and (4.6416 + 0.90)^3
    rows = compute_assignment(inputs(30), params())
    assert round(rows[0].avg_weight_g, 2) == 101.95
    assert round(rows[29].avg_weight_g, 2) == 170.18  # chained unrounded, so the closed form, not 170.17
    assert rows[29].avg_weight_g == pytest.approx((100 ** (1 / 3) + 0.9) ** 3, rel=1e-12)


def test_every_model_day_adds_the_same_cube_root_step_at_constant_temperature():
    steps = cube_root_steps([100.0] + weights(compute_assignment(inputs(30), params())))
    assert steps == pytest.approx([0.03] * 30, rel=1e-9)


def test_a_stored_tgc_below_one_hundredth_is_already_divided_by_1000():
    as_stored = compute_assignment(inputs(10), params(tgc=3.0))
    pre_divided = compute_assignment(inputs(10), params(tgc=0.003))
    assert weights(pre_divided) == weights(as_stored)


def test_a_stage_override_replaces_the_model_tgc():
    rows = compute_assignment(inputs(1), params(tgc=3.0, tgc_by_stage={SMOLT: 2.0}))
    assert rows[0].avg_weight_g == pytest.approx((100 ** (1 / 3) + 0.02) ** 3, rel=1e-12)


@pytest.mark.parametrize("temp_c", [0.0, -1.5])
def test_a_day_at_or_below_zero_degrees_keeps_the_weight_exactly(temp_c):
    rows = compute_assignment(inputs(5, temp_c=temp_c), params())
    assert weights(rows) == [100.0] * 5


def test_a_cold_day_between_warm_days_adds_nothing_that_day():
    temps = {day(1): 10.0, day(2): 0.0, day(3): 10.0}
    rows = compute_assignment(inputs(3, temp_c=None, daily_temps_c=temps), params())
    assert rows[1].avg_weight_g == rows[0].avg_weight_g
    assert rows[2].avg_weight_g > rows[1].avg_weight_g


def test_days_before_a_sample_rise_strictly_between_placement_and_sample_and_the_sample_day_is_exact():
    rows = compute_assignment(inputs(30, anchors={day(20): sample(150.0)}), params())
    before = weights(rows[:19])
    assert all(100.0 < w < 150.0 for w in before)
    assert before == sorted(before) and len(set(before)) == 19
    assert rows[19].avg_weight_g == 150.0
    assert round(rows[19].avg_weight_g, 2) == 150.00


def test_days_between_two_samples_rise_strictly_between_them_and_both_sample_days_are_exact():
    anchors = {day(20): sample(150.0), day(40): sample(200.0)}
    rows = compute_assignment(inputs(50, anchors=anchors), params())
    between = weights(rows[20:39])
    assert all(150.0 < w < 200.0 for w in between)
    assert between == sorted(between) and len(set(between)) == 19
    assert (rows[19].avg_weight_g, rows[39].avg_weight_g) == (150.0, 200.0)


def test_the_model_grows_on_from_the_last_sample():
    rows = compute_assignment(inputs(25, anchors={day(20): sample(150.0)}), params())
    # 150 g then five model days of +0.03 in cube root
    assert rows[24].avg_weight_g == pytest.approx((150 ** (1 / 3) + 0.15) ** 3, rel=1e-12)


def test_a_sample_on_the_model_curve_leaves_no_kink_in_the_daily_steps():
    model = weights(compute_assignment(inputs(60), params()))
    anchors = {day(30): sample(round(model[29], 2))}  # a sample agrees with the model to the cent
    steps = cube_root_steps(weights(compute_assignment(inputs(60, anchors=anchors), params())))
    assert steps[28] == pytest.approx(steps[29], rel=1e-3)  # the step into day 30 and the one out of it


def test_a_faster_growing_batch_has_steps_of_the_same_size_either_side_of_each_sample():
    # the fish really grow at TGC 3.3; the model says 3.0; samples every 20 days follow the real fish
    real = weights(compute_assignment(inputs(60), params(tgc=3.3)))
    anchors = {day(n): sample(round(real[n - 1], 2)) for n in (20, 40, 60)}
    steps = cube_root_steps([100.0] + weights(compute_assignment(inputs(60, anchors=anchors), params())))
    for n in (20, 40):
        assert steps[n - 1] == pytest.approx(steps[n], rel=1e-3)
    assert steps[0] == pytest.approx(0.033, rel=1e-3)  # the realised TGC of the segment


def test_a_lighter_sample_makes_the_curve_fall_smoothly_to_it():
    rows = compute_assignment(inputs(10, anchors={day(10): sample(90.0)}), params())
    assert weights(rows) == sorted(weights(rows), reverse=True)
    assert rows[9].avg_weight_g == 90.0


def test_a_segment_without_any_model_growth_is_interpolated_linearly_in_cube_root():
    rows = compute_assignment(inputs(4, temp_c=0.0, anchors={day(4): sample(125.0)}), params())
    # cube roots 4.6416 -> 5.0 in four equal steps
    assert cube_root_steps([100.0] + weights(rows)) == pytest.approx([(5 - 100 ** (1 / 3)) / 4] * 4)


def test_the_segment_reaches_the_anchor_weight_exactly_even_when_floats_would_not():
    x0 = 100.0 ** (1 / 3)
    assert calibrated_segment(x0, 133.33, [0.01, 0.02, 0.03])[-1] == 133.33


def test_grow_forward_reports_the_stage_after_each_day():
    rules = stage_rules(params(), (SMOLT,))
    ws, stages = grow_forward(179.0, SMOLT, [10.0, 10.0], 0, 2, rules)
    assert ws[0] > 180.0 and stages == [POST_SMOLT, POST_SMOLT]


@pytest.mark.parametrize(("method", "expected_g"), [("LARGEST", 132.00), ("SMALLEST", 168.00), ("AVERAGE", 150.00)])
def test_a_transfer_weight_is_corrected_for_how_the_weighed_fish_were_picked(method, expected_g):
    assert round(transfer_anchor_weight(150.00, method), 2) == expected_g


def test_an_unknown_selection_method_is_rejected():
    with pytest.raises(ValueError, match="selection method"):
        transfer_anchor_weight(150.0, "HEAVIEST")


@pytest.mark.parametrize("bad_g", [0.0, -5.0])
def test_a_non_positive_starting_or_anchor_weight_is_rejected(bad_g):
    with pytest.raises(ValueError):
        compute_assignment(inputs(5, weight_g=bad_g), params())
    with pytest.raises(ValueError):
        compute_assignment(inputs(5, anchors={day(3): sample(bad_g)}), params())
