"""The one invariant under any sequence of edits (docs/architecture.md): a hypothesis state machine creates, updates
and deletes every record kind the engine reads — values, dates moved both ways, containers, parameters,
statuses, assignment and scenario links, stage bands, model values — through the ORM and the services, drains
at random points like a worker, and after every drain checks that the stored rows equal a full recompute, field
for field. ``AQUAMIND_STATEFUL_EXAMPLES`` raises the number of examples for a longer run."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.db.models import Q
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test

from apps.batch.models import (
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    MortalityEvent,
    RecomputeMarker,
    TransferAction,
)
from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.environmental.services import environmental_readings_record
from apps.health.models import Treatment
from apps.inventory.models import FeedingEvent
from apps.recompute.run import batch_recompute
from apps.recompute.signals import recompute_marks_deferred
from apps.scenario import models as sm
from tests.batch.scenarios import START, drain_all_batches, state_rows
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    ScenarioFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    TransferFactory,
    stage,
    temperature_parameter,
)

pytestmark = pytest.mark.django_db
LAST_DAY = 70
EXAMPLES = int(os.environ.get("AQUAMIND_STATEFUL_EXAMPLES", "30"))

days = st.integers(1, LAST_DAY)
picks = st.integers(0, 10_000)
weights = st.integers(40, 600).map(Decimal)
counts = st.integers(1, 400)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def moment(n: int, hour: int) -> dt.datetime:
    return dt.datetime.combine(day(n), dt.time(hour), tzinfo=dt.UTC)


class FarmEdits(RuleBasedStateMachine):
    """Two batches of one species: batch A with a placement tank, a destination that starts before its source's
    transfer, a second placement; batch B with one tank. Every rule edits through ``.save()``/``.delete()`` or a
    service, so the signals and reach rules decide what is marked."""

    @initialize()
    def farm(self):
        self.containers = [ContainerFactory().pk for _ in range(4)]
        profile = TemperatureProfileFactory(days={1: 7.0, 40: 11.0, 80: 9.0})
        self.scenario_a = ScenarioFactory(batch__start_date=START, tgc_model=TGCModelFactory(profile=profile))
        self.spare_scenario = ScenarioFactory(batch=self.scenario_a.batch, tgc_model=TGCModelFactory(tgc_value=3.1))
        self.scenario_b = ScenarioFactory(batch__start_date=START)
        self.batches = [self.scenario_a.batch_id, self.scenario_b.batch_id]
        a, b = self.batches
        tank = AssignmentFactory(
            batch_id=a, container_id=self.containers[0], assignment_date=day(1), departure_date=day(35)
        )
        pen = AssignmentFactory(
            batch_id=a,
            container_id=self.containers[1],
            assignment_date=day(5),
            departure_date=day(LAST_DAY),
            placement_count=None,
            placement_avg_weight_g=None,
        )
        second = AssignmentFactory(
            batch_id=a,
            container_id=self.containers[2],
            assignment_date=day(10),
            departure_date=day(60),
            placement_count=3000,
        )
        other = AssignmentFactory(
            batch_id=b, container_id=self.containers[3], assignment_date=day(1), departure_date=day(50)
        )
        self.assignments = [tank.pk, pen.pk, second.pk, other.pk]
        self.transfers = [
            TransferFactory(
                source_assignment=tank, dest_assignment=pen, actual_execution_date=day(30), transferred_count=6000
            ).pk
        ]
        self.records: dict[type, list[int]] = {
            GrowthSample: [],
            MortalityEvent: [],
            FeedingEvent: [],
            Treatment: [],
            EnvironmentalReading: [],
        }
        self.oxygen = EnvironmentalParameter.objects.get_or_create(
            code="oxygen", defaults={"name": "O2", "unit": "mg/l"}
        )[0]
        self.drain()

    # --- helpers ----------------------------------------------------------------------------------------------

    def pick(self, model, pks: list[int], n: int):
        """An existing row of ``model`` among ``pks`` (rows deleted by a cascade are forgotten), or None."""
        while pks:
            pk = pks[n % len(pks)]
            row = model.objects.filter(pk=pk).first()
            if row is not None:
                return row
            pks.remove(pk)
        return None

    def assignment(self, n: int) -> BatchContainerAssignment | None:
        return self.pick(BatchContainerAssignment, self.assignments, n)

    def event(self, model, n: int):
        return self.pick(model, self.records[model], n)

    # --- events on an assignment on a day --------------------------------------------------------------------

    @staticmethod
    def sample_day_taken(assignment_id: int, d: int, pk=None) -> bool:
        """One growth sample per assignment and day (a database constraint)."""
        return GrowthSample.objects.filter(assignment_id=assignment_id, sample_date=day(d)).exclude(pk=pk).exists()

    @rule(n=picks, d=days, weight=weights, size=st.integers(1, 60))
    def add_sample(self, n, d, weight, size):
        if (a := self.assignment(n)) is not None and not self.sample_day_taken(a.pk, d):
            row = GrowthSample.objects.create(assignment=a, sample_date=day(d), sample_size=size, avg_weight_g=weight)
            self.records[GrowthSample].append(row.pk)

    @rule(n=picks, d=days, count=counts)
    def add_mortality(self, n, d, count):
        if (a := self.assignment(n)) is not None:
            self.records[MortalityEvent].append(
                MortalityEvent.objects.create(assignment=a, event_date=day(d), count=count).pk
            )

    @rule(n=picks, d=days, kg=st.integers(1, 900))
    def add_feeding(self, n, d, kg):
        if (a := self.assignment(n)) is not None:
            row = FeedingEvent.objects.create(assignment=a, feeding_date=day(d), amount_kg=Decimal(kg))
            self.records[FeedingEvent].append(row.pk)

    @rule(n=picks, d=days, weighing=st.booleans(), weight=weights)
    def add_treatment(self, n, d, weighing, weight):
        if (a := self.assignment(n)) is not None:
            row = Treatment.objects.create(
                assignment=a,
                treatment_date=day(d),
                treatment_type=Treatment.Type.VACCINATION,
                includes_weighing=weighing,
                weighed_count=40 if weighing else None,
                weighed_avg_weight_g=weight if weighing else None,
            )
            self.records[Treatment].append(row.pk)

    @rule(c=picks, d=days, hour=st.integers(0, 23), temp=st.integers(-1, 18), bulk=st.booleans())
    def add_reading(self, c, d, hour, temp, bulk):
        reading = EnvironmentalReading(
            container_id=self.containers[c % len(self.containers)],
            parameter=temperature_parameter(),
            reading_time=moment(d, hour),
            value=float(temp),
        )
        if bulk:
            (reading,) = environmental_readings_record(readings=[reading])
        else:
            reading.save()
        self.records[EnvironmentalReading].append(reading.pk)

    @rule(
        kind=st.sampled_from([GrowthSample, MortalityEvent, FeedingEvent, Treatment]),
        n=picks,
        m=picks,
        d=days,
        value=st.integers(1, 500),
        move=st.sampled_from(["day", "assignment", "value"]),
    )
    def edit_event(self, kind, n, m, d, value, move):
        row = self.event(kind, n)
        if row is None:
            return
        if kind is GrowthSample and move in ("day", "assignment"):
            target = self.assignment(m) if move == "assignment" else row.assignment
            d_new = d if move == "day" else (row.sample_date - START).days + 1
            if target is None or self.sample_day_taken(target.pk, d_new, pk=row.pk):
                return
        if move == "day":
            setattr(
                row,
                {
                    GrowthSample: "sample_date",
                    MortalityEvent: "event_date",
                    FeedingEvent: "feeding_date",
                    Treatment: "treatment_date",
                }[kind],
                day(d),
            )
        elif move == "assignment" and (target := self.assignment(m)) is not None:
            row.assignment = target
        elif kind is GrowthSample:
            row.avg_weight_g, row.sample_size = Decimal(40 + value), value % 50 + 1
        elif kind is MortalityEvent:
            row.count = value
        elif kind is FeedingEvent:
            row.amount_kg = Decimal(value)
        else:
            row.includes_weighing = not row.includes_weighing
            row.weighed_count, row.weighed_avg_weight_g = (
                (30, Decimal(60 + value)) if row.includes_weighing else (None, None)
            )
        row.save()

    @rule(
        n=picks,
        c=picks,
        d=days,
        hour=st.integers(0, 23),
        move=st.sampled_from(["time", "container", "parameter", "value"]),
    )
    def edit_reading(self, n, c, d, hour, move):
        row = self.event(EnvironmentalReading, n)
        if row is None:
            return
        if move == "time":
            row.reading_time = moment(d, hour)
        elif move == "container":
            row.container_id = self.containers[c % len(self.containers)]
        elif move == "parameter":
            row.parameter = self.oxygen if row.parameter_id != self.oxygen.pk else temperature_parameter()
        else:
            row.value = float(hour - 2)
        row.save()

    @rule(kind=st.sampled_from([GrowthSample, MortalityEvent, FeedingEvent, Treatment, EnvironmentalReading]), n=picks)
    def delete_event(self, kind, n):
        if (row := self.event(kind, n)) is not None:
            row.delete()

    # --- transfers ------------------------------------------------------------------------------------------

    @rule(
        s=picks,
        t=picks,
        d=days,
        count=st.integers(1, 3000),
        measured=st.sampled_from([None, Decimal("150")]),
        method=st.sampled_from(TransferAction.SelectionMethod.values),
    )
    def add_transfer(self, s, t, d, count, measured, method):
        source, dest = self.assignment(s), self.assignment(t)
        if source is None or dest is None or source.pk == dest.pk or source.batch_id != dest.batch_id:
            return
        row = TransferAction.objects.create(
            source_assignment=source,
            dest_assignment=dest,
            status=TransferAction.Status.COMPLETED,
            actual_execution_date=day(d),
            transferred_count=count,
            mortality_during_transfer=count % 7,
            measured_avg_weight_g=measured,
            selection_method=method,
        )
        self.transfers.append(row.pk)

    @rule(
        n=picks,
        d=days,
        value=st.integers(1, 3000),
        change=st.sampled_from(["status", "date", "count", "measured", "method", "swap", "delete"]),
    )
    def edit_transfer(self, n, d, value, change):
        row = self.pick(TransferAction, self.transfers, n)
        if row is None:
            return
        if change == "delete":
            row.delete()
            return
        if change == "status":
            done = row.status == TransferAction.Status.COMPLETED
            row.status = TransferAction.Status.PENDING if done else TransferAction.Status.COMPLETED
        elif change == "date":
            row.actual_execution_date = day(d)
        elif change == "count":
            row.transferred_count, row.mortality_during_transfer = value, value % 5
        elif change == "measured":
            row.measured_avg_weight_g = None if row.measured_avg_weight_g else Decimal(80 + value % 300)
        elif change == "method":
            methods = TransferAction.SelectionMethod.values
            row.selection_method = methods[(methods.index(row.selection_method) + 1) % len(methods)]
        else:
            row.source_assignment_id, row.dest_assignment_id = row.dest_assignment_id, row.source_assignment_id
        row.save()

    # --- assignments, batches, stages, scenarios ----------------------------------------------------------------

    @rule(
        n=picks,
        a=st.integers(1, 40),
        length=st.integers(1, 45),
        c=picks,
        change=st.sampled_from(["start", "departure", "placement", "weight", "stage", "container", "batch"]),
    )
    def edit_assignment(self, n, a, length, c, change):
        row = self.assignment(n)
        if row is None:
            return
        if change == "start":
            row.assignment_date = min(day(a), row.departure_date - dt.timedelta(days=1))
        elif change == "departure":
            row.departure_date = row.assignment_date + dt.timedelta(days=length)
        elif change == "placement":
            row.placement_count = None if row.placement_count else 1000 * length
        elif change == "weight":
            row.placement_avg_weight_g = None if row.placement_avg_weight_g else Decimal(50 + a)
        elif change == "stage":
            row.lifecycle_stage = stage("Post-Smolt" if row.lifecycle_stage.name == "Smolt" else "Smolt")
        elif change == "container":
            row.container_id = self.containers[c % len(self.containers)]
        elif not TransferAction.objects.filter(Q(source_assignment=row) | Q(dest_assignment=row)).exists():
            row.batch_id = self.batches[1] if row.batch_id == self.batches[0] else self.batches[0]
        row.save()

    @rule(d=days, placement=st.booleans())
    def add_assignment(self, d, placement):
        row = AssignmentFactory(
            batch_id=self.batches[d % 2],
            container=ContainerFactory(),
            assignment_date=day(d),
            departure_date=day(d) + dt.timedelta(days=20),
            placement_count=500 if placement else None,
            placement_avg_weight_g=Decimal("90") if placement else None,
        )
        self.assignments.append(row.pk)

    @precondition(lambda self: len(self.assignments) > 2)
    @rule(n=picks)
    def delete_assignment(self, n):
        if (row := self.assignment(n)) is not None:
            row.delete()

    @rule(top=st.integers(100, 400))
    def edit_stage_band(self, top):
        smolt = stage("Smolt")
        smolt.expected_weight_max_g = Decimal(top)
        smolt.save()

    @rule(shift=st.integers(-20, 0), n=picks)
    def edit_batch(self, shift, n):
        batch = Batch.objects.get(pk=self.batches[n % 2])
        batch.start_date = START + dt.timedelta(days=shift)
        batch.save()

    @rule(
        change=st.sampled_from(["tgc", "override", "mortality", "profile", "pin", "unpin", "move", "new", "delete"]),
        value=st.integers(1, 40),
    )
    def edit_scenario(self, change, value):
        scenario = sm.Scenario.objects.filter(pk=self.spare_scenario.pk).first()
        a, b = self.batches
        if change == "tgc":
            model = sm.TGCModel.objects.get(pk=self.scenario_a.tgc_model_id)
            model.tgc_value = 1.5 + value / 20
            model.save()
        elif change == "override":
            sm.TGCStageOverride.objects.update_or_create(
                model_id=self.scenario_a.tgc_model_id,
                lifecycle_stage=stage("Smolt"),
                defaults={"tgc_value": 2 + value / 10},
            )
        elif change == "mortality":
            model = sm.MortalityModel.objects.get(pk=self.scenario_b.mortality_model_id)
            model.rate_percent = value / 100
            model.save()
        elif change == "profile":
            row = sm.TemperatureProfileDay.objects.filter(profile_id=self.scenario_a.tgc_model.profile_id).first()
            row.temp_c = float(value % 15)
            row.save()
        elif change in ("pin", "unpin") and scenario is not None:
            batch = Batch.objects.get(pk=scenario.batch_id or a)
            batch.pinned_scenario = scenario if change == "pin" else None
            batch.save()
        elif change == "move" and scenario is not None:
            scenario.batch_id = b if scenario.batch_id == a else a
            scenario.save()
        elif change == "new":
            self.spare_scenario = ScenarioFactory(
                batch_id=self.batches[value % 2], tgc_model=TGCModelFactory(tgc_value=value / 8)
            )
        elif change == "delete" and scenario is not None:
            scenario.delete()

    @rule(n=picks, d=days)
    def deferred_burst(self, n, d):
        """Several saves in one ``recompute_marks_deferred`` block (the API's nested scenario writes)."""
        with recompute_marks_deferred():
            if (a := self.assignment(n)) is not None and not self.sample_day_taken(a.pk, d):
                self.records[GrowthSample].append(
                    GrowthSample.objects.create(
                        assignment=a, sample_date=day(d), sample_size=5, avg_weight_g=Decimal("111")
                    ).pk
                )
                MortalityEvent.objects.create(assignment=a, event_date=day(d), count=3)

    # --- draining and the invariant ------------------------------------------------------------------------

    @rule()
    def drain(self):
        """What the workers do: drain every batch with markers until none is left; then check."""
        drain_all_batches()
        assert not RecomputeMarker.objects.exists()
        self.check_equals_full_recompute()

    def check_equals_full_recompute(self):
        for batch_id in self.batches:
            drained = state_rows(batch_id)
            batch_recompute(batch_id=batch_id, trigger="test_full")
            full = state_rows(batch_id)
            first = next((i for i, (x, y) in enumerate(zip(drained, full)) if x != y), None)
            assert len(drained) == len(full) and first is None, (
                f"batch {batch_id}: {len(drained)} stored vs {len(full)} full rows; first difference "
                f"{drained[first] if first is not None else None} vs {full[first] if first is not None else None}"
            )

    def teardown(self):
        self.drain()  # every example ends drained and checked


def test_stored_states_equal_a_full_recompute_after_any_sequence_of_edits(salmon):
    run_state_machine_as_test(
        FarmEdits,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_a_source_whose_start_moves_past_its_transfer_recomputes_the_destination_that_read_it(salmon):
    """Regression (found by the state machine above in CI): the tank's start moved from day 1 to day 31, after
    its transfer to the pen on day 30. The pen had started from the tank's weight on day 29, which the tank no
    longer has; the tank restarts at its new first day (31), after that day, so the pen was not recomputed and
    kept its old start weight (172.96 g against a full recompute's 102.02 g)."""
    edits = FarmEdits()
    edits.farm()
    edits.drain()
    edits.edit_assignment(n=0, a=31, length=1, c=0, change="start")
    edits.drain()  # drains, then checks every batch against a full recompute
