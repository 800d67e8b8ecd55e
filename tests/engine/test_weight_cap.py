"""The model never grows a fish beyond 50 kg, so every computed weight fits the daily-state column."""

from apps.batch.engine import compute_assignment
from apps.batch.engine.growth import MAX_WEIGHT_G, grow_forward
from apps.batch.engine.stage import stage_rules
from aquamind.domain import MAX_AVG_WEIGHT_G
from tests.engine.builders import ADULT, day, inputs, params, sample


def test_the_engine_cap_is_the_largest_weight_the_records_accept():
    assert MAX_WEIGHT_G == float(MAX_AVG_WEIGHT_G) == 50_000.0


def test_a_warm_fast_run_stops_at_50_kg_and_says_so():
    # 40 kg at 40 °C with TGC 100 per 1000: the cube root (34.2) rises by 4 a day, 50 kg (36.84) on day 1
    rows = compute_assignment(inputs(5, weight_g=40_000.0, stage_id=ADULT, temp_c=40.0), params(tgc=100.0))
    assert [r.avg_weight_g for r in rows] == [50_000.0] * 5
    assert all(r.sources["warnings"] == ["weight_capped"] for r in rows)
    assert rows[0].biomass_kg == 10_000 * 50_000.0 / 1000


def test_a_measured_50_kg_is_an_anchor_not_a_cap():
    rows = compute_assignment(
        inputs(3, weight_g=45_000.0, stage_id=ADULT, anchors={day(2): sample(50_000.0)}), params()
    )
    assert rows[1].avg_weight_g == 50_000.0 and "warnings" not in rows[1].sources
    assert rows[2].sources["warnings"] == ["weight_capped"]


def test_below_the_cap_growth_is_unchanged():
    # 100 g, 10 °C, TGC 3.0: the cube root rises by 0.03 a day (docs/engine.md §11)
    weights, _ = grow_forward(100.0, ADULT, [10.0] * 30, 0, 30, stage_rules(params(), (ADULT,)))
    assert round(weights[0], 2) == 101.95 and round(weights[-1], 2) == 170.18
