"""Random sequences of creates, updates and deletes, drained by a real worker, equal a full recompute."""

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.batch.models import FailedRecompute, GrowthSample, MortalityEvent, TransferAction
from apps.health.models import Treatment
from apps.inventory.models import FeedingEvent
from tests.batch.scenarios import START, farm_with_transfer
from tests.integration.support import INTEGRATION, assert_equals_full_recompute

pytestmark = INTEGRATION
KINDS = ("sample", "mortality", "feed", "treatment", "transfer")
# each step: (kind, action, target, a, b); the runner maps the numbers onto valid records, days and values
steps = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.sampled_from(("create", "create", "update", "move", "delete")),
        st.booleans(),
        st.integers(0, 10_000),
        st.integers(0, 10_000),
    ),
    min_size=3,
    max_size=12,
)


class Farm:
    """farm_with_transfer (source days 1..29, destination days 30..60) and the records made so far."""

    def __init__(self):
        self.scenario, self.source, self.dest, self.transfer = farm_with_transfer(days=60, transfer_day=30)
        self.records: dict[str, list] = {kind: [] for kind in KINDS}
        for n, kind in enumerate(CREATE):  # one record of each kind, so updates and deletes have targets
            self.apply(kind, "create", n % 2 == 1, 11 * n + 5, 1_000 * n)

    def assignment_and_day(self, to_dest: bool, n: int):
        if to_dest:
            return self.dest, START + dt.timedelta(days=29 + n % 31)
        return self.source, START + dt.timedelta(days=n % 29)

    def apply(self, kind: str, action: str, to_dest: bool, a: int, b: int) -> None:
        if kind == "transfer":
            return self.change_transfer(action, a)
        existing = self.records[kind]
        if action == "create" or not existing:
            assignment, day = self.assignment_and_day(to_dest, a)
            if not self.sample_day_taken(kind, assignment.pk, day):
                existing.append(CREATE[kind](assignment, day, b))
            return
        record = existing[a % len(existing)]
        if action == "delete":
            existing.remove(record)
            record.delete()
            return
        if action == "move":  # to another day of the same assignment
            field = DATE_FIELD[kind]
            day = self.assignment_and_day(record.assignment_id == self.dest.pk, b)[1]
            if self.sample_day_taken(kind, record.assignment_id, day, record.pk):
                return
            setattr(record, field, day)
        else:
            UPDATE[kind](record, b)
        record.save()

    @staticmethod
    def sample_day_taken(kind: str, assignment_id: int, day: dt.date, pk: int | None = None) -> bool:
        """One sample per assignment and day: a step that would add a second is skipped."""
        taken = GrowthSample.objects.filter(assignment_id=assignment_id, sample_date=day).exclude(pk=pk)
        return kind == "sample" and taken.exists()

    def change_transfer(self, action: str, a: int) -> None:
        transfer = self.transfer
        if action in ("create", "move"):  # complete it, or un-complete it
            done = transfer.status == TransferAction.Status.COMPLETED
            transfer.status = TransferAction.Status.PENDING if done else TransferAction.Status.COMPLETED
        else:  # edit the count (a completed transfer's edit changes both sides)
            transfer.transferred_count = 5_000 + a % 4_500
        transfer.save()


def weight(n: int) -> Decimal:
    return Decimal(8_000 + n * 3) / 100  # 80.00 .. 380.00 g


def _weighing(n: int) -> dict:
    """Two treatments in three include a weighing (a weight anchor)."""
    weighed = n % 3 > 0
    return {
        "includes_weighing": weighed,
        "weighed_count": 50 if weighed else None,
        "weighed_avg_weight_g": weight(n) if weighed else None,
    }


CREATE = {
    "sample": lambda assignment, day, n: GrowthSample.objects.create(
        assignment=assignment, sample_date=day, sample_size=20, avg_weight_g=weight(n)
    ),
    "mortality": lambda assignment, day, n: MortalityEvent.objects.create(
        assignment=assignment, event_date=day, count=1 + n % 300
    ),
    "feed": lambda assignment, day, n: FeedingEvent.objects.create(
        assignment=assignment, feeding_date=day, amount_kg=Decimal(1 + n % 200)
    ),
    "treatment": lambda assignment, day, n: Treatment.objects.create(
        assignment=assignment, treatment_date=day, treatment_type=Treatment.Type.VACCINATION, **_weighing(n)
    ),
}
DATE_FIELD = {"sample": "sample_date", "mortality": "event_date", "feed": "feeding_date", "treatment": "treatment_date"}


def _update_treatment(record: Treatment, n: int) -> None:
    for field, value in _weighing(n).items():  # weighing switched on or off: it becomes or stops being an anchor
        setattr(record, field, value)


UPDATE = {
    "sample": lambda record, n: setattr(record, "avg_weight_g", weight(n)),
    "mortality": lambda record, n: setattr(record, "count", 1 + n % 300),
    "feed": lambda record, n: setattr(record, "amount_kg", Decimal(1 + n % 200)),
    "treatment": _update_treatment,
}


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same 8 sequences every run: a failure here is a bug, not bad luck
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_any_sequence_of_event_changes_drains_to_a_full_recompute(salmon, drain, sequence):
    farm = Farm()  # a new batch per example: the database is not reset between examples
    drain(sweep_after=10)  # computed once: the sequence below corrects a farm whose states exist
    for step in sequence:
        farm.apply(*step)
    drain(sweep_after=10)  # a publish lost in the broker waits for the sweeper, as under Beat
    assert not FailedRecompute.objects.filter(batch_id=farm.scenario.batch_id).exists()
    assert_equals_full_recompute(farm.scenario.batch_id)
