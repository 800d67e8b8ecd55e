"""The demo data generator on the small preset, in the model world (the control; the realistic world's own
tests are in test_realistic_world.py): counts, integrity, conservation, truth file, determinism."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum

from apps.batch.models import (
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    GrowthSampleCast,
    MortalityEvent,
    TransferAction,
)
from apps.demo.farm import demo_data_generate
from apps.environmental.models import EnvironmentalReading
from apps.health.models import Treatment
from apps.inventory.models import FeedingEvent
from apps.scenario.models import Scenario

TODAY = dt.date(2025, 6, 1)
ONE_DAY = dt.timedelta(days=1)
PURE_MODULES = (
    "allocate",
    "batch_sim",
    "growth",
    "layout",
    "measure",
    "presets",
    "schedule",
    "simulate",
    "temperature",
    "truth",
    "types",
    "world",
)


@pytest.fixture
def farm(db, tmp_path):
    truth_path = tmp_path / "truth.csv"
    summary = demo_data_generate(seed=1, preset="small", today=TODAY, truth_out=truth_path, world="model")
    return summary, _truth_rows(truth_path)


@pytest.mark.django_db
def test_the_summary_counts_match_the_database_and_the_small_shape(farm):
    summary, truth = farm
    assignments = BatchContainerAssignment.objects.filter(batch_id__in=summary.batch_ids)
    assert summary.batches == Batch.objects.count() == 3
    assert summary.assignments == assignments.count() == 23
    assert 15 <= summary.assignments <= 25
    assert summary.growth_samples == GrowthSample.objects.count() > 0
    assert summary.transfers == TransferAction.objects.count() > 0
    assert summary.mortality_events == MortalityEvent.objects.count() > 0
    assert summary.feeding_events == FeedingEvent.objects.count() > 0
    assert summary.readings == EnvironmentalReading.objects.count() > 0
    assert summary.treatments == Treatment.objects.count() > 0
    assert summary.assignment_days == summary.truth_rows == sum(len(days) for days in truth.values())
    statuses = sorted(Batch.objects.values_list("status", flat=True))
    assert statuses == ["ACTIVE", "ACTIVE", "COMPLETED"]
    assert Scenario.objects.filter(batch_id__in=summary.batch_ids).count() == 3


@pytest.mark.django_db
def test_no_container_holds_two_batches_at_once(farm):
    assert _double_bookings() == []


@pytest.mark.django_db
def test_a_second_run_adds_new_batch_numbers_and_books_only_free_containers(farm):
    summary, _ = farm
    again = demo_data_generate(seed=1, preset="small", today=TODAY, truth_out=None, world="model")
    numbers = sorted(Batch.objects.values_list("batch_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 6
    assert set(again.batch_ids).isdisjoint(summary.batch_ids)
    assert _double_bookings() == []


@pytest.mark.django_db
def test_every_placed_fish_is_alive_dead_or_harvested(farm):
    # placed = alive today + recorded deaths + deaths in transfer + harvested, per batch
    _, truth = farm
    moved_out_on = set(TransferAction.objects.values_list("source_assignment_id", "actual_execution_date"))
    for batch in Batch.objects.all():
        placed = alive = harvested = 0
        for a in batch.assignments.all():
            placed += a.placement_count or 0
            if a.departure_date is None:
                alive += truth[a.pk][TODAY][1]
            elif (a.pk, a.departure_date) not in moved_out_on:
                harvested += truth[a.pk][a.departure_date - ONE_DAY][1]
        deaths = MortalityEvent.objects.filter(assignment__batch=batch).aggregate(n=Sum("count"))["n"]
        in_handling = TransferAction.objects.filter(source_assignment__batch=batch).aggregate(
            n=Sum("mortality_during_transfer")
        )["n"]
        assert placed == alive + deaths + in_handling + harvested > 0
        assert (harvested > 0) == (batch.status == Batch.Status.COMPLETED)


@pytest.mark.django_db
def test_the_true_population_follows_the_records_day_by_day(farm):
    # pop(d) = pop(d-1) + arrived(d) - left(d) - died in handling(d) - recorded deaths(d) (docs/engine.md §5)
    _, truth = farm
    arrived, left = defaultdict(int), defaultdict(int)
    for t in TransferAction.objects.all():
        arrived[(t.dest_assignment_id, t.actual_execution_date)] += t.transferred_count
        left[(t.source_assignment_id, t.actual_execution_date)] += t.transferred_count + t.mortality_during_transfer
    deaths = dict(
        ((a, d), n)
        for a, d, n in MortalityEvent.objects.values_list("assignment_id", "event_date").annotate(n=Sum("count"))
    )
    for a in BatchContainerAssignment.objects.all():
        population = a.placement_count or 0
        for day, (_, true_population) in sorted(truth[a.pk].items()):
            key = (a.pk, day)
            population += arrived.get(key, 0) - left.get(key, 0) - deaths.get(key, 0)
            assert true_population == population, key


@pytest.mark.django_db
def test_every_record_lies_inside_its_assignment_and_not_after_today(farm):
    for a in BatchContainerAssignment.objects.all():
        end = a.departure_date or TODAY + ONE_DAY
        assert a.assignment_date <= TODAY and end <= TODAY + ONE_DAY
        for related, field in (
            (a.growth_samples, "sample_date"),
            (a.mortality_events, "event_date"),
            (a.feeding_events, "feeding_date"),
            (a.treatments, "treatment_date"),
        ):
            dates = list(related.values_list(field, flat=True))
            assert all(a.assignment_date <= d < end for d in dates), (a.pk, field)
    assert not EnvironmentalReading.objects.filter(reading_time__date__gt=TODAY).exists()
    assert not TransferAction.objects.filter(actual_execution_date__gt=TODAY).exists()
    assert not FeedingEvent.objects.values("assignment_id", "feeding_date").annotate(n=Count("id")).filter(n__gt=1)


@pytest.mark.django_db
def test_the_truth_file_has_one_row_per_computed_day_and_weights_grow_through_the_stages(farm):
    _, truth = farm
    expected = set()
    for a in BatchContainerAssignment.objects.select_related("lifecycle_stage"):
        last = min(a.departure_date - ONE_DAY, TODAY) if a.departure_date else TODAY
        days = (last - a.assignment_date).days + 1
        expected |= {(a.pk, a.assignment_date + dt.timedelta(days=i)) for i in range(days)}
        weights = [w for _, (w, _) in sorted(truth[a.pk].items())]
        stage = a.lifecycle_stage
        # the first day ends one day of growth above the stage's band at most
        assert float(stage.expected_weight_min_g) * 0.9 <= weights[0] <= float(stage.expected_weight_max_g) * 1.05
        assert all(later >= earlier for earlier, later in zip(weights, weights[1:]))
    assert expected == {(a, d) for a, days in truth.items() for d in days}
    harvest_weights = [
        truth[a.pk][a.departure_date - ONE_DAY][0]
        for a in BatchContainerAssignment.objects.filter(batch__status="COMPLETED", container__kind="PEN")
    ]
    assert harvest_weights and all(4000 <= w <= 6500 for w in harvest_weights)  # ~5 kg


@pytest.mark.django_db
def test_transfers_include_full_moves_splits_merges_and_partial_handovers(farm):
    transfers = list(TransferAction.objects.select_related("source_assignment"))
    full = [t for t in transfers if t.source_assignment.departure_date == t.actual_execution_date]
    partial = [t for t in transfers if t.source_assignment.departure_date != t.actual_execution_date]
    assert full and partial
    assert all(t.status == "COMPLETED" and t.transferred_count > 0 for t in transfers)
    assert all(t.dest_assignment.placement_count is None for t in transfers)
    fan_out = defaultdict(set)
    fan_in = defaultdict(set)
    for t in full:
        fan_out[(t.source_assignment_id, t.actual_execution_date)].add(t.dest_assignment_id)
        fan_in[(t.dest_assignment_id, t.actual_execution_date)].add(t.source_assignment_id)
    assert max(len(d) for d in fan_out.values()) >= 2  # a split
    assert max(len(s) for s in fan_in.values()) >= 2  # a merge
    for t in partial:
        departure = t.source_assignment.departure_date
        assert departure is None or departure > t.actual_execution_date


@pytest.mark.django_db
def test_measured_transfer_weights_are_the_true_weight_seen_through_the_selection(farm):
    _, truth = farm
    factors = {"AVERAGE": 1.0, "LARGEST": 0.88, "SMALLEST": 1.12}
    measured = TransferAction.objects.exclude(measured_avg_weight_g=None)
    assert measured.count() >= TransferAction.objects.count() * 0.6
    for t in measured:
        true_g = truth[t.source_assignment_id][t.actual_execution_date - ONE_DAY][0]
        corrected = float(t.measured_avg_weight_g) * factors[t.selection_method]
        assert corrected == pytest.approx(true_g, rel=0.12, abs=0.02)


@pytest.mark.django_db
def test_sensors_have_short_and_long_gaps_inside_assignments(farm):
    gaps = []
    for a in BatchContainerAssignment.objects.all():
        days = sorted(
            set(
                EnvironmentalReading.objects.filter(
                    container_id=a.container_id, reading_time__date__gte=a.assignment_date
                )
                .filter(**({"reading_time__date__lt": a.departure_date} if a.departure_date else {}))
                .values_list("reading_time__date", flat=True)
            )
        )
        gaps += [(later - earlier).days - 1 for earlier, later in zip(days, days[1:])]
    assert any(2 <= g <= 5 for g in gaps)
    assert any(g > 7 for g in gaps)
    per_day = EnvironmentalReading.objects.values("container_id", "reading_time__date").annotate(n=Count("id"))
    assert max(row["n"] for row in per_day) == 2


@pytest.mark.django_db
def test_samples_and_weighings_measure_the_true_weight(farm):
    _, truth = farm
    samples = GrowthSample.objects.all()
    # one sample a day pools the day's 1-2 casts (preset small) of 20-100 fish each
    assert samples.count() == samples.values("assignment_id", "sample_date").distinct().count()
    assert {s.sample_size > 100 for s in samples} == {True, False}
    for sample in samples:
        assert 20 <= sample.sample_size <= 200
        true_g = truth[sample.assignment_id][sample.sample_date][0]
        # 20 % per-fish spread over at least 20 fish: 4.5 % standard error, plus rounding to 0.01 g
        assert float(sample.avg_weight_g) == pytest.approx(true_g, rel=0.2, abs=0.01)
    vaccinations = Treatment.objects.select_related("assignment__lifecycle_stage")
    assert vaccinations.exists()
    for v in vaccinations:
        assert v.includes_weighing and v.assignment.lifecycle_stage.name in ("Parr", "Smolt")


@pytest.mark.django_db
def test_the_farm_records_each_samplings_casts_and_the_sample_is_their_aggregate(farm):
    """Issue 21: 1-2 casts of 20-100 fish a sampling (preset small); the day's sample pools them (checked
    here independently: fish added, fish-weighted mean to 0.01 g)."""
    casts = defaultdict(list)
    for sample_id, fish, avg in GrowthSampleCast.objects.values_list("sample_id", "fish_weighed", "avg_weight_g"):
        casts[sample_id].append((fish, avg))
    samples = list(GrowthSample.objects.all())
    assert set(casts) == {s.pk for s in samples}
    assert {len(c) for c in casts.values()} == {1, 2}
    for sample in samples:
        fish = sum(n for n, _ in casts[sample.pk])
        mean = sum(n * avg for n, avg in casts[sample.pk]) / fish
        assert sample.sample_size == fish and abs(sample.avg_weight_g - mean) <= Decimal("0.005")


@pytest.mark.django_db
def test_each_batch_has_a_scenario_with_a_900_day_profile_and_its_placement(farm):
    for batch in Batch.objects.all():
        scenario = Scenario.objects.select_related("tgc_model__profile", "mortality_model").get(batch=batch)
        placed = batch.assignments.aggregate(n=Sum("placement_count"))["n"]
        assert scenario.start_date == batch.start_date
        assert scenario.initial_count == placed
        assert scenario.tgc_model.profile.days.count() == 900
        assert 2.5 <= scenario.tgc_model.tgc_value <= 3.0
        assert scenario.tgc_model.stage_overrides.count() == 5
        assert (scenario.mortality_model.frequency, scenario.mortality_model.rate_percent) == ("DAILY", 0.05)


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_farm_and_another_seed_another(db):
    with transaction.atomic():
        demo_data_generate(seed=7, preset="small", today=TODAY, truth_out=None, world="model")
        first = _fingerprint()
        transaction.set_rollback(True)
    with transaction.atomic():
        demo_data_generate(seed=7, preset="small", today=TODAY, truth_out=None, world="model")
        second = _fingerprint()
        transaction.set_rollback(True)
    demo_data_generate(seed=8, preset="small", today=TODAY, truth_out=None, world="model")
    assert first == second != _fingerprint()


@pytest.mark.django_db
def test_the_command_generates_and_prints_the_counts(tmp_path):
    out = StringIO()
    truth_path = tmp_path / "truth.csv"
    call_command(
        "generate_demo_data",
        "--preset",
        "small",
        "--seed",
        "3",
        "--today",
        "2025-06-01",
        "--truth-out",
        str(truth_path),
        "--world",
        "model",
        stdout=out,
    )
    text = out.getvalue()
    assert f"assignments            {BatchContainerAssignment.objects.count()}\n" in text
    assert f"growth samples         {GrowthSample.objects.count()}\n" in text
    assert "batches                3 (1 completed)" in text
    assert "Generated in" in text
    assert len(truth_path.read_text().splitlines()) - 1 == sum(len(d) for d in _truth_rows(truth_path).values())


@pytest.mark.django_db
def test_the_command_refuses_a_farm_without_batches():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_demo_data", "--batches", "0", "--today", "2025-06-01", stdout=StringIO())
    assert not Batch.objects.exists()


def test_the_simulation_modules_import_no_django():
    package = Path(__file__).resolve().parents[2] / "apps" / "demo" / "farm"
    for name in PURE_MODULES:
        tree = ast.parse((package / f"{name}.py").read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
        # the one module outside the package they use is the project's rule for a sampling day, pure too
        outside = {m for m in imported if m.split(".")[0] in ("django", "apps", "aquamind")}
        assert outside <= {"apps.batch.sampling"}, name
    rule = ast.parse((package.parents[1] / "batch" / "sampling.py").read_text())
    imported = {n.module or "" for n in ast.walk(rule) if isinstance(n, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(rule) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in imported if m.split(".")[0] in ("django", "apps", "aquamind")}


def _truth_rows(path: Path) -> dict[int, dict[dt.date, tuple[float, int]]]:
    rows: dict[int, dict[dt.date, tuple[float, int]]] = defaultdict(dict)
    with path.open() as handle:
        for row in csv.DictReader(handle):
            day = dt.date.fromisoformat(row["date"])
            assert day not in rows[int(row["assignment_id"])]
            rows[int(row["assignment_id"])][day] = (float(row["true_avg_weight_g"]), int(row["true_population"]))
    return rows


def _double_bookings() -> list[tuple[int, int]]:
    by_container = defaultdict(list)
    for a in BatchContainerAssignment.objects.all():
        by_container[a.container_id].append(a)
    clashes = []
    for assignments in by_container.values():
        for i, a in enumerate(assignments):
            for b in assignments[i + 1 :]:
                a_end, b_end = a.departure_date or dt.date.max, b.departure_date or dt.date.max
                if a.batch_id != b.batch_id and a.assignment_date < b_end and b.assignment_date < a_end:
                    clashes.append((a.pk, b.pk))
    return clashes


def _fingerprint() -> str:
    """A digest of the generated data by natural keys (database ids differ between runs)."""
    parts = [
        sorted(Batch.objects.values_list("batch_number", "start_date", "status")),
        sorted(
            BatchContainerAssignment.objects.values_list(
                "batch__batch_number",
                "container__site__name",
                "container__name",
                "lifecycle_stage__name",
                "assignment_date",
                "departure_date",
                "placement_count",
                "placement_avg_weight_g",
            )
        ),
        sorted(GrowthSample.objects.values_list("assignment__container__name", "sample_date", "avg_weight_g")),
        sorted(
            TransferAction.objects.values_list(
                "source_assignment__container__name",
                "dest_assignment__container__name",
                "actual_execution_date",
                "transferred_count",
                "mortality_during_transfer",
                "measured_avg_weight_g",
                "selection_method",
            )
        ),
        sorted(MortalityEvent.objects.values_list("assignment__container__name", "event_date", "count", "cause")),
        sorted(FeedingEvent.objects.values_list("assignment__container__name", "feeding_date", "amount_kg")),
        sorted(EnvironmentalReading.objects.values_list("container__name", "reading_time", "value")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@pytest.mark.django_db
def test_every_demo_record_lies_in_the_declared_domain(farm):
    """The generator writes in bulk, past the validators: its rows must pass them all the same."""
    from apps.environmental.validation import environmental_reading_validate

    for model in (
        BatchContainerAssignment,
        GrowthSample,
        MortalityEvent,
        TransferAction,
        Treatment,
        FeedingEvent,
        Scenario,
    ):
        relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
        for row in model.objects.all():
            row.clean_fields(exclude=relations)
    readings = EnvironmentalReading.objects.select_related("parameter")
    for reading in readings[:: max(1, readings.count() // 500)]:
        reading.clean_fields(exclude=["container", "parameter"])
        environmental_reading_validate(reading)


@pytest.mark.django_db
def test_the_demo_records_never_take_more_fish_than_an_assignment_holds(farm):
    from apps.batch.selectors import assignment_population_available

    for assignment in BatchContainerAssignment.objects.all():
        available = assignment_population_available(assignment=assignment, day=assignment.assignment_date)
        assert available.for_later >= 0, assignment
