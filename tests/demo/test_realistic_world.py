"""The realistic demo world departs from the model's law in each way docs/demo-data.md lists; the model world
is exactly the generator it was before (issue 18)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import statistics
from collections import defaultdict
from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.demo.farm import world
from apps.demo.farm.layout import SEA, SEA_STAGES
from apps.demo.farm.presets import preset_get
from apps.demo.farm.simulate import farm_plan, farm_simulate
from apps.demo.farm.temperature import TemperatureSeries, _outage_days, readings_for

TODAY = dt.date(2025, 6, 1)
SEEDS = st.integers(0, 10_000)
ENGINE_CORRECTION = {"AVERAGE": 1.0, "LARGEST": 0.88, "SMALLEST": 1.12}


@lru_cache(maxsize=8)
def farm(preset: str = "small", seed: int = 1, name: str = world.WORLD_REALISTIC):
    shape = preset_get(preset)
    plan = farm_plan(preset=shape, seed=seed, today=TODAY, occupied={})
    return plan, farm_simulate(plan, preset=shape, seed=seed, today=TODAY, world=name)


def true_weight(records, slot: int, day: dt.date) -> float:
    truth = records.truth[slot]
    return truth.weights_g[(day - truth.start).days]


# --- growth capacity --------------------------------------------------------------------------------------


@given(seed=SEEDS, index=st.integers(0, 50), low=st.floats(6.0, 3000.0), ratio=st.floats(1.05, 3.0))
def test_growth_capacity_falls_with_weight_in_fresh_water_and_at_sea(seed, index, low, ratio):
    bio = world.biology_draw(seed=seed, index=index)
    for at_sea, exponent in ((False, bio.exponent * world.FRESH_EXPONENT_SHARE), (True, bio.exponent)):
        small = world.capacity_tgc(bio, low, at_sea=at_sea)
        large = world.capacity_tgc(bio, low * ratio, at_sea=at_sea)
        # W^-b at sea (b 0.10-0.20 per batch), W^-(b/2) in fresh water: the heavier fish grows less per
        # degree-day, by ratio^-b exactly
        assert large < small
        assert large / small == pytest.approx(ratio**-exponent)


@given(seed=SEEDS, index=st.integers(0, 50), weight_g=st.floats(6.0, 500.0))
def test_the_same_fish_has_another_capacity_at_sea_than_in_fresh_water(seed, index, weight_g):
    bio = world.biology_draw(seed=seed, index=index)
    fresh = world.capacity_tgc(bio, weight_g, at_sea=False)
    sea = world.capacity_tgc(bio, weight_g, at_sea=True)
    assert sea > 1.5 * fresh  # at sea 2.9-3.5 per 1000 at 1 kg, in fresh water 1.2-1.5 at 60 g


def test_the_batches_draw_different_capacities_and_exponents():
    bios = [world.biology_draw(seed=1, index=i) for i in range(33)]
    assert statistics.pstdev(b.exponent for b in bios) > 0.02
    assert statistics.pstdev(b.sea_tgc for b in bios) > 0.1
    sites = {world.sea_site_factor(seed=1, site=f"site {i}") for i in range(8)}
    assert max(sites) - min(sites) > 0.05


# --- temperature optimum ------------------------------------------------------------------------------------


@given(seed=SEEDS, index=st.integers(0, 50), above=st.floats(0.5, 7.0))
def test_growth_per_degree_day_above_the_optimum_is_lower_than_at_it(seed, index, above):
    bio = world.biology_draw(seed=seed, index=index)
    assert world.temperature_response(bio, bio.optimum_c) == 1.0
    assert world.temperature_response(bio, bio.optimum_c + above) < 1.0

    # and the day's growth per degree itself: 100 g at the optimum vs above it
    def per_degree(temp_c):
        after = world.daily_growth(bio, 100.0, temp_c, at_sea=True, site_factor=1.0, appetite=1.0, health=1.0)
        return (after ** (1 / 3) - 100.0 ** (1 / 3)) / temp_c

    assert per_degree(bio.optimum_c + above) < per_degree(bio.optimum_c)


@given(seed=SEEDS, index=st.integers(0, 50))
def test_growth_collapses_towards_1_to_2_degrees(seed, index):
    bio = world.biology_draw(seed=seed, index=index)
    assert world.temperature_response(bio, 2.0) <= 0.25
    assert world.temperature_response(bio, 1.5) <= 0.15
    assert world.temperature_response(bio, 0.8) == 0.0
    assert world.temperature_response(bio, 8.0) == 1.0


# --- appetite after handling --------------------------------------------------------------------------------


@given(seed=SEEDS)
def test_appetite_after_a_sea_transfer_recovers_over_weeks_not_days(seed):
    rng = random.Random(seed)
    life = world.SlotLife(at_sea=True)
    moved = dt.date(2025, 3, 1)
    life.handled(rng, moved, world.SEA_TRANSFER_LOSS)
    appetite = [life.appetite(moved + dt.timedelta(days=d)) for d in range(0, 120)]
    assert appetite == sorted(appetite)  # recovering, never falling again
    assert appetite[0] <= 0.6  # 40-70 % of the appetite lost on the day
    # a week on, close to half the loss is still there (a time constant of 10-28 days); two weeks on, a fourth
    assert 1 - appetite[7] > 0.45 * (1 - appetite[0]) and 1 - appetite[14] > 0.24 * (1 - appetite[0])
    assert appetite[90] > 0.95


@given(seed=SEEDS)
def test_a_vaccination_is_preceded_by_fasting_days_without_growth(seed):
    rng = random.Random(seed)
    life = world.SlotLife(at_sea=False)
    day = dt.date(2025, 3, 10)
    life.fast_before(rng, day, world.VACCINATION_FASTING_DAYS)
    life.handled(rng, day, world.VACCINATION_LOSS)
    assert life.appetite(day - dt.timedelta(days=1)) == life.appetite(day - dt.timedelta(days=2)) == 0.0
    assert life.appetite(day - dt.timedelta(days=5)) == 1.0
    assert 0.55 <= life.appetite(day) <= 0.75


def test_every_move_leaves_its_fish_growing_less_for_weeks_than_the_same_fish_in_the_model_world():
    def early_over_later(name):
        plan, records = farm("faroe", name=name)
        ratios = []
        for batch in plan.batches:
            for move in batch.moves:
                for link in move.links:
                    weights = records.truth[link.dest].weights_g
                    if len(weights) > 43:
                        # days 1-21 after the move over days 22-42: same container, same water, similar weight
                        ratios.append(_cube_root_rise(weights, 0, 21) / _cube_root_rise(weights, 21, 42))
        return statistics.median(ratios), len(ratios)

    (realistic, n), (model, _) = early_over_later(world.WORLD_REALISTIC), early_over_later(world.WORLD_MODEL)
    assert n > 100
    assert realistic < 0.92 * model  # seen: 0.87 against 0.99


def _cube_root_rise(weights, lo, hi):
    return weights[hi] ** (1 / 3) - weights[lo] ** (1 / 3)


# --- disease ------------------------------------------------------------------------------------------------


def test_a_disease_episode_slows_growth_and_raises_mortality():
    plan, records = farm("faroe")
    disease_days = {(m.slot, m.date) for m in records.mortality if m.cause == "DISEASE"}
    deaths = {(m.slot, m.date): m.count for m in records.mortality}
    sick, healthy = [0, 0], [0, 0]  # (deaths, fish-days)
    sick_growth, healthy_growth = [], []
    for slot in plan.slots:
        truth = records.truth[slot.index]
        for i in range(1, len(truth.weights_g)):
            day = truth.start + dt.timedelta(days=i)
            key = (slot.index, day)
            bucket = sick if key in disease_days else healthy
            bucket[0] += deaths.get(key, 0)
            bucket[1] += truth.populations[i - 1]
            rise = truth.weights_g[i] / truth.weights_g[i - 1]
            (sick_growth if key in disease_days else healthy_growth).append(rise)
    assert sick[0] / sick[1] > 3 * healthy[0] / healthy[1]
    assert statistics.fmean(sick_growth) - 1 < 0.85 * (statistics.fmean(healthy_growth) - 1)


# --- temperatures and sensors -------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_a_sites_temperature_anomaly_persists_for_months(seed):
    anomaly = world.temperature_anomaly(seed=seed, site="Vestmanna", kind="sea", origin=dt.date(2022, 1, 1), days=1200)
    # monthly means keep nearly all of the day-to-day spread (day noise alone would keep 1/sqrt(30) = 18 % of it;
    # seen over 300 seeds: 79-100 %)
    months = [statistics.fmean(anomaly[i : i + 30]) for i in range(0, 1200, 30)]
    assert statistics.pstdev(months) > 0.7 * statistics.pstdev(anomaly)
    # 90-day means wander: a season warmer or colder than the profile by a few tenths of a degree or more
    means = [statistics.fmean(anomaly[i : i + 90]) for i in range(0, 1110, 90)]
    assert max(abs(m) for m in means) > 0.3


def test_the_containers_of_a_site_share_its_anomaly():
    plan, records = farm("faroe")
    origin = min(b.start for b in plan.batches)
    pens = sorted({s.container for s in plan.slots if s.pool == SEA})
    site = pens[0][0]
    same_site = [key for key in pens if key[0] == site][:2]
    series = [TemperatureSeries(key, SEA, seed=1, origin=origin, days=800) for key in same_site]
    anomaly = world.temperature_anomaly(seed=1, site=site, kind="sea", origin=origin, days=800)
    shifted = [TemperatureSeries(key, SEA, seed=1, origin=origin, days=800, anomaly=anomaly) for key in same_site]
    for plain, moved in zip(series, shifted):
        assert [m - p for p, m in zip(plain.values, moved.values)] == pytest.approx(anomaly)


def test_sensors_go_quiet_for_weeks_in_the_realistic_world_only():
    def gaps(name):
        plan, records = farm("faroe", name=name)
        by_container = defaultdict(set)
        for r in records.readings:
            by_container[r.container].add(r.date)
        found = []
        for slot in plan.slots:
            end = slot.end or TODAY + dt.timedelta(days=1)
            days = sorted(d for d in by_container[slot.container] if slot.start <= d < end)
            found += [(b - a).days - 1 for a, b in zip(days, days[1:])]
        return found

    realistic, model = gaps(world.WORLD_REALISTIC), gaps(world.WORLD_MODEL)
    assert max(realistic) >= 25 and sum(g >= 14 for g in realistic) > 20
    assert max(model) <= 14


@given(seed=SEEDS)
def test_outages_silence_runs_of_two_to_six_weeks_on_top_of_the_ordinary_gaps(seed):
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(1500)]
    series = TemperatureSeries(("Site", "Pen 01"), SEA, seed=seed, origin=days[0], days=len(days))
    plain = {r.date for r in readings_for(("Site", "Pen 01"), series, days, seed=seed, force_long_gap=False)}
    quiet = {
        r.date for r in readings_for(("Site", "Pen 01"), series, days, seed=seed, force_long_gap=False, outages=True)
    }
    assert quiet <= plain
    silent = sorted(_outage_days(days, random.Random(seed)))
    runs = [1]
    for a, b in zip(silent, silent[1:]):
        runs[-1:] = [runs[-1] + 1] if (b - a).days == 1 else [runs[-1], 1]
    assert not silent or all(r >= 14 for r in runs[:-1]) and max(runs) <= 40 * 2


# --- measurements -------------------------------------------------------------------------------------------


def test_growth_samples_weigh_2_to_4_casts_of_20_to_40_fish_and_run_heavier_than_the_truth_on_average():
    _, records = farm("faroe")
    ratios = [s.avg_weight_g / true_weight(records, s.slot, s.date) for s in records.samples if s.avg_weight_g > 1]
    assert {len(s.casts) for s in records.samples} == {2, 3, 4}
    assert {c.fish_weighed for s in records.samples for c in s.casts} == set(range(20, 41))
    assert all(s.size == sum(c.fish_weighed for c in s.casts) for s in records.samples)
    # 15-40 % of samplings crowd towards fish 3-8 % heavier: about +1 % over all; the noise of a cast of
    # 20-40 fish (3-4.5 % each) averages out over thousands of samples, and a single cast strays further
    assert len(ratios) > 3000
    assert 1.005 < statistics.fmean(ratios) < 1.03
    cast_ratios = [
        c.avg_weight_g / true_weight(records, s.slot, s.date)
        for s in records.samples
        for c in s.casts
        if s.avg_weight_g > 1
    ]
    assert sum(r > 1.10 for r in cast_ratios) > 0.01 * len(cast_ratios)


def test_transfer_weighings_depart_from_the_engines_fixed_correction():
    _, records = farm("faroe")
    errors = defaultdict(list)
    for t in records.transfers:
        if t.measured_avg_weight_g is not None:
            true_g = true_weight(records, t.source, t.date - dt.timedelta(days=1))
            errors[t.selection_method].append(t.measured_avg_weight_g * ENGINE_CORRECTION[t.selection_method] / true_g)
    # 'average' picks run heavy; the corrected largest and smallest stray by several % either way, not ±1 %
    assert statistics.fmean(errors["AVERAGE"]) > 1.01
    for method in ("LARGEST", "SMALLEST"):
        assert max(errors[method]) - min(errors[method]) > 0.08, method


# --- the water, and the model world ---------------------------------------------------------------------------


def test_fish_in_fresh_water_never_take_a_sea_stage_and_fish_at_sea_always_do():
    plan, _ = farm("faroe")
    for slot in plan.slots:
        assert (slot.stage_order in SEA_STAGES) == (slot.pool == SEA), slot


def test_the_model_world_is_the_generator_as_it_was_before_the_realistic_world():
    # digests of the records and truth of the generator before issue 18 (same code path, same draws); since
    # issue 21 the samples keep their casts and pool them by the project's rule (n - 1), every other record
    # and the truth unchanged (their digests were compared before and after)
    expected = {("small", 1): "385fd3e854832a76", ("small", 2): "fb0a9fae96a6292a", ("faroe", 1): "432338286c222ca4"}
    for (preset, seed), digest in expected.items():
        _, r = farm(preset, seed, world.WORLD_MODEL)
        parts = [
            r.samples,
            r.transfers,
            r.mortality,
            r.feedings,
            [tuple(t)[:4] for t in r.treatments],
            r.readings,
            [(t.start, t.weights_g, t.populations) for t in r.truth],
        ]
        assert hashlib.sha256(repr(parts).encode()).hexdigest()[:16] == digest, (preset, seed)


def test_the_realistic_world_is_another_farm_on_the_same_plan():
    model_plan, model = farm("small", 1, world.WORLD_MODEL)
    plan, realistic = farm("small", 1)
    assert [(s.container, s.start, s.end) for s in plan.slots] == [
        (s.container, s.start, s.end) for s in model_plan.slots
    ]
    assert realistic.truth[5].weights_g != model.truth[5].weights_g


@pytest.mark.django_db
def test_the_realistic_farm_is_written_with_its_delousings_and_every_fish_accounted_for(tmp_path):
    from django.db.models import Sum

    from apps.batch.models import BatchContainerAssignment, MortalityEvent, TransferAction
    from apps.demo.farm import demo_data_generate
    from apps.health.models import Treatment

    summary = demo_data_generate(seed=1, preset="small", today=TODAY, truth_out=tmp_path / "truth.csv")
    assert summary.world == world.WORLD_REALISTIC
    delousings = Treatment.objects.filter(treatment_type=Treatment.Type.DELICING)
    assert delousings.exists() and not delousings.filter(includes_weighing=True).exists()
    for row in Treatment.objects.all():
        row.clean_fields(exclude=["assignment"])
    # every placed fish is alive, dead (in the pens or in handling) or harvested
    placed = BatchContainerAssignment.objects.aggregate(n=Sum("placement_count"))["n"]
    deaths = MortalityEvent.objects.aggregate(n=Sum("count"))["n"]
    in_handling = TransferAction.objects.aggregate(n=Sum("mortality_during_transfer"))["n"]
    _, records = farm("small", 1)
    alive_or_harvested = sum(
        truth.populations[-1]
        for slot, truth in zip(records.plan.slots, records.truth)
        if truth.populations and (slot.end is None or not _moved_out_on(records, slot.index, slot.end))
    )
    assert placed == deaths + in_handling + alive_or_harvested


def _moved_out_on(records, slot: int, day: dt.date) -> bool:
    return any(t.source == slot and t.date == day for t in records.transfers)
