"""Growth segments, hand-computed on a small assignment (no database)."""

import datetime as dt

import pytest

from apps.forecast.engine import DayRow, segments_compute

START = dt.date(2026, 1, 1)


def rows(*, deaths_on_last_day=0, feed_kg=2.0, days=11):
    """Day 1 placed at 64 g (cube root 4.0); the cube root rises 0.03 a day at 10 °C (TGC 3.0); 1000 fish."""
    out = []
    for i in range(days):
        weight = (4.0 + 0.03 * i) ** 3
        died = deaths_on_last_day if i == days - 1 else 0
        population = 1000 - died
        out.append(
            DayRow(
                START + dt.timedelta(days=i),
                1,
                weight,
                population,
                population * weight / 1000,
                10.0,
                died,
                feed_kg if i else 0.0,
            )
        )
    return out


def test_a_segment_from_the_placement_to_a_sample_has_hand_computed_tgc_sgr_and_fcr():
    [segment] = segments_compute(
        rows=rows(),
        anchor_kinds={START + dt.timedelta(days=10): "growth_sample"},
        tgc_by_stage={1: 2.5},
        tgc_default=9.0,
        starts_at_placement=True,
    )
    assert (segment.start_kind, segment.end_kind, segment.days) == ("placement", "growth_sample", 10)
    assert segment.degree_days == pytest.approx(100.0)  # 10 days x 10 °C
    assert segment.start_weight_g == pytest.approx(64.0) and segment.end_weight_g == pytest.approx(4.3**3)  # 79.507 g
    assert segment.realised_tgc == pytest.approx(3.0)  # 1000 x (4.3 - 4.0) / 100
    assert segment.scenario_tgc == pytest.approx(2.5)  # the stage's override, not the model value
    assert segment.performance_ratio == pytest.approx(1.2)
    assert segment.sgr_pct == pytest.approx(2.16962, abs=1e-5)  # 100 x ln(79.507 / 64) / 10 = 300 x ln(1.075) / 10
    assert segment.feed_kg == pytest.approx(20.0)
    assert segment.biological_gain_kg == pytest.approx(15.507, abs=1e-3)  # 1000 fish x 15.507 g
    assert segment.biological_fcr == pytest.approx(20.0 / 15.507, abs=1e-4)  # 1.2897
    assert segment.economic_fcr == segment.biological_fcr  # no deaths
    assert segment.deaths == 0 and segment.mortality_pct == 0.0


def test_the_dead_fish_count_against_the_economic_fcr_only():
    [segment] = segments_compute(
        rows=rows(deaths_on_last_day=10),
        anchor_kinds={START + dt.timedelta(days=10): "growth_sample"},
        tgc_by_stage={},
        tgc_default=3.0,
        starts_at_placement=True,
    )
    # the 10 fish dying on day 11 had grown that day: biological gain as above; economic gain loses 10 x 79.507 g
    assert segment.biological_gain_kg == pytest.approx(15.507, abs=1e-3)
    assert segment.economic_gain_kg == pytest.approx(15.507 - 0.79507, abs=1e-3)
    assert segment.economic_fcr == pytest.approx(20.0 / 14.712, abs=1e-3)  # 1.3594
    assert segment.deaths == 10 and segment.mortality_pct == pytest.approx(1.0)
    assert segment.performance_ratio == pytest.approx(1.0)


def test_consecutive_anchors_make_consecutive_segments_and_the_days_after_the_last_make_none():
    anchors = {START + dt.timedelta(days=4): "growth_sample", START + dt.timedelta(days=8): "vaccination"}
    segments = segments_compute(
        rows=rows(), anchor_kinds=anchors, tgc_by_stage={}, tgc_default=3.0, starts_at_placement=True
    )
    assert [(s.start_date.day, s.end_date.day, s.days) for s in segments] == [(1, 5, 4), (5, 9, 4)]
    assert segments[1].start_kind == "growth_sample" and segments[1].end_kind == "vaccination"
    assert all(s.realised_tgc == pytest.approx(3.0) for s in segments)


def test_a_windowed_run_starting_on_an_anchor_gives_the_segments_after_it_as_a_full_run_does():
    anchors = {START + dt.timedelta(days=4): "growth_sample", START + dt.timedelta(days=8): "growth_sample"}
    full = segments_compute(
        rows=rows(), anchor_kinds=anchors, tgc_by_stage={}, tgc_default=3.0, starts_at_placement=True
    )
    window = segments_compute(
        rows=rows()[4:], anchor_kinds=anchors, tgc_by_stage={}, tgc_default=3.0, starts_at_placement=False
    )
    assert window == full[1:]


def test_a_stored_tgc_already_divided_by_1000_is_read_per_1000():
    [segment] = segments_compute(
        rows=rows(),
        anchor_kinds={START + dt.timedelta(days=10): "growth_sample"},
        tgc_by_stage={},
        tgc_default=0.003,
        starts_at_placement=True,
    )
    assert segment.scenario_tgc == pytest.approx(3.0) and segment.performance_ratio == pytest.approx(1.0)
