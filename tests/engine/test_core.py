"""compute_assignment as a whole: range, provenance and confidence (docs/engine.md §1, §7)."""

import dataclasses

from apps.batch.engine import Anchor, compute_assignment
from apps.batch.engine.confidence import after_anchor_confidence, between_anchors_confidence
from apps.batch.engine.population import model_deaths
from tests.engine.builders import day, inputs, params, sample

KEYS = {"weight", "temp", "mortality", "feed", "fcr"}


def test_there_is_one_row_per_day_from_the_first_to_the_last_day_inclusive():
    rows = compute_assignment(inputs(30, first_day=11), params())
    assert [r.date for r in rows] == [day(n) for n in range(11, 41)]
    assert [r.day_number for r in rows] == list(range(11, 41))


def test_a_single_day_range_gives_one_row_and_an_empty_range_none():
    assert len(compute_assignment(inputs(1), params())) == 1
    run = inputs(1)
    empty = dataclasses.replace(run, last_day=day(0))
    assert compute_assignment(empty, params()) == []


def test_anchors_outside_the_range_are_ignored():
    anchors = {day(0): sample(500.0), day(31): sample(500.0)}
    with_outside = compute_assignment(inputs(30, anchors=anchors), params())
    assert with_outside == compute_assignment(inputs(30), params())


def test_an_anchor_day_carries_its_kind_and_the_measured_source():
    anchors = {day(5): Anchor(weight_g=110.0, kind="vaccination", confidence=0.9)}
    rows = compute_assignment(inputs(8, anchors=anchors), params())
    assert [r.anchor_type for r in rows] == [None] * 4 + ["vaccination"] + [None] * 3
    assert [r.sources["weight"] for r in rows] == ["interpolated"] * 4 + ["measured"] + ["tgc_computed"] * 3
    assert rows[4].confidence["weight"] == 0.9  # the anchor's own confidence


def test_every_row_has_all_source_and_confidence_keys_with_confidences_in_0_to_1():
    run = inputs(120, anchors={day(40): sample(150.0)}, feed_kg={day(3): 20.0}, mortality={day(7): 3})
    for row in compute_assignment(run, params(mortality_daily=0.0005)):
        assert set(row.sources) == KEYS
        assert set(row.confidence) == KEYS
        assert all(0.0 <= v <= 1.0 for v in row.confidence.values())


def test_weight_confidence_is_lower_between_anchors_and_falls_after_the_last_one():
    anchors = {day(10): sample(120.0), day(30): sample(170.0)}
    conf = [r.confidence["weight"] for r in compute_assignment(inputs(120, anchors=anchors), params())]
    assert conf[9] == conf[29] == 1.0
    assert conf[10] == conf[28] == 0.94  # one day from an anchor
    assert conf[19] == 0.85  # mid-segment: ten days from both
    assert conf[30] == 0.8 and conf[31] == 0.79  # after the last anchor
    assert conf[119] == 0.2  # the floor, 90 days on
    assert conf[30:] == sorted(conf[30:], reverse=True)


def test_confidence_formulas_stay_within_their_bounds():
    assert between_anchors_confidence(1) == 0.94 and between_anchors_confidence(500) == 0.5
    assert after_anchor_confidence(1) == 0.8 and after_anchor_confidence(61) == 0.2
    assert after_anchor_confidence(1000) == 0.2


def test_rows_share_one_sources_dict_per_combination():
    rows = compute_assignment(inputs(10), params())
    assert rows[3].sources is rows[7].sources
    assert rows[3].confidence is not None


def test_model_deaths_in_the_row_loop_agree_with_the_population_function():
    rows = compute_assignment(inputs(60, transfers_in={day(9): 3_000}), params(mortality_daily=0.00073))
    for before, row in zip(rows, rows[1:]):
        assert row.mortality_count == model_deaths(0.00073, before.population)


def test_the_same_inputs_give_the_same_rows():
    run = inputs(50, anchors={day(20): sample(140.0)}, feed_kg={day(4): 25.0})
    assert compute_assignment(run, params()) == compute_assignment(run, params())
