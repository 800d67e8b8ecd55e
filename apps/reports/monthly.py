"""The monthly site report a farm owes its regulator and its management (docs/import-export.md, "The monthly site
report"): per site and calendar month, and per batch within the site, the fish and biomass at the start and the
end, what came in and went out, the deaths by cause, the feed, the economic and biological FCR and the treatments.

Everything is read from the stored daily states (the engine's end-of-day figures) and the recorded events; nothing
is recomputed. The rules, in short (the document gives the reasons):

- **opening** = the states of the day before the month's first day (end of that day); **closing** = the states of
  the month's last day (of today, for the month under way: its figures so far).
- **stocked**: an assignment that starts in the month with a placement count and no completed transfer in (the
  engine's starting population); valued at its placement weight (else its first day's weight).
- **transfers in / out**: completed transfers executed in the month whose other end is at another site (moves
  between two containers of the site cancel out and are left out); valued at the destination's average weight on
  the day they arrive, the same weight at both ends.
- **harvested**: the fish still in a container when its assignment ends in the month (``departure_date`` in the
  month: the last state is the day before), less those a transfer moved out on the departure day, valued at that
  state's biomass per fish.
- **deaths**: the states' deaths over the month's days, split into the recorded causes (mortality events) and
  ``ESTIMATED`` (the scenario model's deaths on days without a record), plus ``TRANSFER_HANDLING`` (fish that
  died in handling in a transfer out of the site's containers).
- **feed**: the states' feed (the recorded feeding events).
- **economic FCR** = feed / net production, where net production = closing − opening + out − in (biomass; out =
  transfers out + harvested, in = stocked + transfers in): the kg sold or still standing per kg fed.
- **biological FCR** = feed / (net production + the biomass of the fish that died): the growth of every fish,
  the dead ones included. Both are left empty when their denominator is not above 0.
- **difference** = closing − (opening + in − out − deaths) in fish: 0 unless the engine clamped a count (more
  recorded losses than fish), so a reader sees the inconsistency instead of a silently balanced table.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils import timezone

from apps.batch.models import ActualDailyAssignmentState, BatchContainerAssignment, MortalityEvent, TransferAction
from apps.health.models import Treatment
from apps.infrastructure.models import Site
from aquamind.domain import EARLIEST_DATE, LATEST_DATE

ONE_DAY = dt.timedelta(days=1)
ESTIMATED = "ESTIMATED"
TRANSFER_HANDLING = "TRANSFER_HANDLING"
#: the deaths' columns, in order: the recorded causes, the model's estimate, deaths in handling
DEATH_CAUSES = (*MortalityEvent.Cause.values, ESTIMATED, TRANSFER_HANDLING)
KG = Decimal("0.001")


MONTH_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")


def month_from_text(text: str) -> Month | None:
    """``YYYY-MM`` as a month of the domain's calendar (1990 … 2199), or None."""
    match = MONTH_TEXT.fullmatch(text or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        return None
    return Month(year, month)


@dataclass
class Month:
    year: int
    month: int

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> Month:
        day = self.first - ONE_DAY
        return Month(day.year, day.month)

    def next(self) -> Month:
        day = self.last + ONE_DAY
        return Month(day.year, day.month)


@dataclass
class Flows:
    """A batch's month at the site (or the site's, summed): fish counts and biomass in kg."""

    opening_fish: int = 0
    opening_biomass_kg: Decimal = Decimal(0)
    stocked_fish: int = 0
    stocked_biomass_kg: Decimal = Decimal(0)
    transfers_in_fish: int = 0
    transfers_in_biomass_kg: Decimal = Decimal(0)
    transfers_out_fish: int = 0
    transfers_out_biomass_kg: Decimal = Decimal(0)
    harvested_fish: int = 0
    harvested_biomass_kg: Decimal = Decimal(0)
    deaths: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEATH_CAUSES, 0))
    dead_biomass_kg: Decimal = Decimal(0)
    closing_fish: int = 0
    closing_biomass_kg: Decimal = Decimal(0)
    feed_kg: Decimal = Decimal(0)
    treatments: dict[str, int] = field(default_factory=dict)

    @property
    def deaths_fish(self) -> int:
        return sum(self.deaths.values())

    @property
    def fish_in(self) -> int:
        return self.stocked_fish + self.transfers_in_fish

    @property
    def fish_out(self) -> int:
        return self.transfers_out_fish + self.harvested_fish

    @property
    def production_kg(self) -> Decimal:
        """Net production: closing − opening + biomass out − biomass in (the dead fish's growth left out)."""
        out = self.transfers_out_biomass_kg + self.harvested_biomass_kg
        into = self.stocked_biomass_kg + self.transfers_in_biomass_kg
        return self.closing_biomass_kg - self.opening_biomass_kg + out - into

    @property
    def economic_fcr(self) -> Decimal | None:
        return _ratio(self.feed_kg, self.production_kg)

    @property
    def biological_fcr(self) -> Decimal | None:
        return _ratio(self.feed_kg, self.production_kg + self.dead_biomass_kg)

    @property
    def difference_fish(self) -> int:
        return self.closing_fish - (self.opening_fish + self.fish_in - self.fish_out - self.deaths_fish)

    def add(self, other: Flows) -> None:
        for name in (
            "opening_fish", "opening_biomass_kg", "stocked_fish", "stocked_biomass_kg", "transfers_in_fish",
            "transfers_in_biomass_kg", "transfers_out_fish", "transfers_out_biomass_kg", "harvested_fish",
            "harvested_biomass_kg", "dead_biomass_kg", "closing_fish", "closing_biomass_kg", "feed_kg",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for cause, count in other.deaths.items():
            self.deaths[cause] += count
        for kind, count in other.treatments.items():
            self.treatments[kind] = self.treatments.get(kind, 0) + count


def _ratio(feed: Decimal, gain: Decimal) -> Decimal | None:
    return (feed / gain).quantize(KG) if gain > 0 and feed > 0 else None


@dataclass
class BatchMonth:
    batch_id: int
    batch_number: str
    containers: list[str]
    flows: Flows


@dataclass
class TreatmentLine:
    date: dt.date
    batch_number: str
    container: str
    treatment_type: str
    description: str


@dataclass
class SiteMonth:
    site: Site
    month: Month
    batches: list[BatchMonth]
    total: Flows
    treatments: list[TreatmentLine]
    computed_through: dt.date | None  # the latest state day of the site's assignments in the month


def site_month_report(*, site: Site, month: Month) -> SiteMonth:
    """The site's month, per batch and in total, from the stored states and the recorded events."""
    first, last = month.first, month.last
    assignments = list(
        BatchContainerAssignment.objects.filter(container__site=site, assignment_date__lte=last)
        .filter(Q(departure_date__isnull=True) | Q(departure_date__gte=first))
        .select_related("batch", "container")
        .order_by("batch__batch_number", "assignment_date", "id")
    )
    by_batch: dict[int, BatchMonth] = {}
    batch_of: dict[int, BatchMonth] = {}
    for a in assignments:
        row = by_batch.setdefault(a.batch_id, BatchMonth(a.batch_id, a.batch.batch_number, [], Flows()))
        if a.container.name not in row.containers:
            row.containers.append(a.container.name)
        batch_of[a.pk] = row
    ids = list(batch_of)
    states = ActualDailyAssignmentState.objects.filter(assignment_id__in=ids)
    _states_flows(states, first, min(last, timezone.localdate()), batch_of)
    _stocked(assignments, first, last, batch_of)
    _harvested(assignments, first, last, batch_of)
    _transfers(site, first, last, batch_of)
    _recorded_deaths(ids, first, last, batch_of)
    treatments = _treatments(ids, first, last, batch_of)
    total = Flows()
    for row in by_batch.values():
        total.add(row.flows)
    through = states.filter(date__range=(first, last)).order_by("-date").values_list("date", flat=True).first()
    return SiteMonth(site, month, list(by_batch.values()), total, treatments, through)


def _states_flows(states, first, last, batch_of) -> None:
    """Opening, closing, deaths (all, before the split by cause), dead biomass and feed: one query."""
    rows = (
        states.filter(date__range=(first - ONE_DAY, last))
        .values("assignment_id")
        .annotate(
            opening_fish=Sum("population", filter=Q(date=first - ONE_DAY)),
            opening_kg=Sum("biomass_kg", filter=Q(date=first - ONE_DAY)),
            closing_fish=Sum("population", filter=Q(date=last)),
            closing_kg=Sum("biomass_kg", filter=Q(date=last)),
            deaths=Sum("mortality_count", filter=Q(date__gte=first)),
            dead_g=Sum(F("mortality_count") * F("avg_weight_g"), filter=Q(date__gte=first)),
            feed=Sum("feed_kg", filter=Q(date__gte=first)),
        )
    )
    for r in rows:
        flows = batch_of[r["assignment_id"]].flows
        flows.opening_fish += r["opening_fish"] or 0
        flows.opening_biomass_kg += r["opening_kg"] or 0
        flows.closing_fish += r["closing_fish"] or 0
        flows.closing_biomass_kg += r["closing_kg"] or 0
        flows.deaths[ESTIMATED] += r["deaths"] or 0  # the recorded ones are moved to their causes below
        flows.dead_biomass_kg += (r["dead_g"] or Decimal(0)) / 1000
        flows.feed_kg += r["feed"] or 0


def _stocked(assignments, first, last, batch_of) -> None:
    """Placements in the month: an assignment starting then with a placement count and no completed transfer in."""
    starting = [a for a in assignments if first <= a.assignment_date <= last and a.placement_count]
    filled = set(
        TransferAction.objects.filter(dest_assignment__in=starting, status=TransferAction.Status.COMPLETED).values_list(
            "dest_assignment_id", flat=True
        )
    )
    placed = [a for a in starting if a.pk not in filled]
    first_weights = dict(
        ActualDailyAssignmentState.objects.filter(
            assignment__in=[a for a in placed if a.placement_avg_weight_g is None],
            date=F("assignment__assignment_date"),
        ).values_list("assignment_id", "avg_weight_g")
    )
    for a in placed:
        weight = a.placement_avg_weight_g if a.placement_avg_weight_g is not None else first_weights.get(a.pk, 0)
        flows = batch_of[a.pk].flows
        flows.stocked_fish += a.placement_count
        flows.stocked_biomass_kg += a.placement_count * Decimal(weight) / 1000


def _harvested(assignments, first, last, batch_of) -> None:
    """Fish still there when the assignment ends in the month: its last state (the day before the departure), less
    the fish a transfer moved out on the departure day itself (the source has no row that day; the transfer's
    destination, or its deaths in handling, hold them), valued at that state's biomass per fish."""
    ending = {a.pk: a for a in assignments if a.departure_date and first <= a.departure_date <= last}
    if not ending:
        return
    moved = defaultdict(int)
    for pk, day, fish in TransferAction.objects.filter(
        source_assignment_id__in=list(ending), status=TransferAction.Status.COMPLETED
    ).values_list(
        "source_assignment_id", "actual_execution_date", F("transferred_count") + F("mortality_during_transfer")
    ):
        if day == ending[pk].departure_date:
            moved[pk] += fish
    last_days = Q()
    for pk, a in ending.items():
        last_days |= Q(assignment_id=pk, date=a.departure_date - ONE_DAY)
    for pk, fish, kg in ActualDailyAssignmentState.objects.filter(last_days).values_list(
        "assignment_id", "population", "biomass_kg"
    ):
        left = max(0, fish - moved[pk])
        if left:
            flows = batch_of[pk].flows
            flows.harvested_fish += left
            flows.harvested_biomass_kg += kg * left / fish


def _transfers(site, first, last, batch_of) -> None:
    """Completed transfers of the month touching the site: fish in and out across its boundary, deaths in
    handling out of its containers; valued at the destination's weight on the day."""
    moves = list(
        TransferAction.objects.filter(
            status=TransferAction.Status.COMPLETED, actual_execution_date__range=(first, last)
        )
        .filter(Q(source_assignment_id__in=list(batch_of)) | Q(dest_assignment_id__in=list(batch_of)))
        .values(
            "source_assignment_id",
            "dest_assignment_id",
            "actual_execution_date",
            "transferred_count",
            "mortality_during_transfer",
            "source_assignment__container__site_id",
            "dest_assignment__container__site_id",
        )
    )
    if not moves:
        return
    arrivals = Q()
    for m in moves:
        arrivals |= Q(assignment_id=m["dest_assignment_id"], date=m["actual_execution_date"])
    weights = {
        (pk, day): w
        for pk, day, w in ActualDailyAssignmentState.objects.filter(arrivals).values_list(
            "assignment_id", "date", "avg_weight_g"
        )
    }
    for m in moves:
        weight = weights.get((m["dest_assignment_id"], m["actual_execution_date"]), Decimal(0))
        crossing = m["source_assignment__container__site_id"] != m["dest_assignment__container__site_id"]
        if m["dest_assignment__container__site_id"] == site.pk and crossing:
            flows = batch_of[m["dest_assignment_id"]].flows
            flows.transfers_in_fish += m["transferred_count"]
            flows.transfers_in_biomass_kg += m["transferred_count"] * weight / 1000
        if m["source_assignment__container__site_id"] == site.pk:
            flows = batch_of[m["source_assignment_id"]].flows
            if crossing:
                flows.transfers_out_fish += m["transferred_count"]
                flows.transfers_out_biomass_kg += m["transferred_count"] * weight / 1000
            flows.deaths[TRANSFER_HANDLING] += m["mortality_during_transfer"]
            flows.dead_biomass_kg += m["mortality_during_transfer"] * weight / 1000


def _recorded_deaths(ids, first, last, batch_of) -> None:
    """The recorded deaths by cause, taken out of the states' total (the rest is the model's estimate)."""
    rows = (
        MortalityEvent.objects.filter(assignment_id__in=ids, event_date__range=(first, last))
        .values("assignment_id", "cause")
        .annotate(n=Sum("count"))
    )
    for r in rows:
        flows = batch_of[r["assignment_id"]].flows
        flows.deaths[r["cause"]] += r["n"]
        flows.deaths[ESTIMATED] -= r["n"]


def _treatments(ids, first, last, batch_of) -> list[TreatmentLine]:
    lines = []
    for t in (
        Treatment.objects.filter(assignment_id__in=ids, treatment_date__range=(first, last))
        .select_related("assignment__container")
        .order_by("treatment_date", "id")
    ):
        row = batch_of[t.assignment_id]
        row.flows.treatments[t.treatment_type] = row.flows.treatments.get(t.treatment_type, 0) + 1
        lines.append(
            TreatmentLine(
                t.treatment_date, row.batch_number, t.assignment.container.name, t.treatment_type, t.description
            )
        )
    return lines


#: the report's table: one row per batch and one for the site, these columns (units in the names)
COLUMNS = (
    "site", "month", "batch", "containers", "opening_fish", "opening_biomass_kg", "stocked_fish",
    "stocked_biomass_kg", "transfers_in_fish", "transfers_in_biomass_kg", "transfers_out_fish",
    "transfers_out_biomass_kg", "harvested_fish", "harvested_biomass_kg", "deaths_fish",
    *(f"deaths_{cause.lower()}_fish" for cause in DEATH_CAUSES), "dead_biomass_kg", "closing_fish",
    "closing_biomass_kg", "feed_kg", "production_kg", "economic_fcr", "biological_fcr", "treatments",
    "difference_fish",
)  # fmt: skip

KG_2 = Decimal("0.01")


def flows_row(site: str, month: str, batch: str, containers: str, f: Flows) -> list:
    """One line of the table, biomass to 2 decimals (as the states store it), feed to 3."""
    kg = lambda value: Decimal(value).quantize(KG_2)  # noqa: E731
    return [
        site, month, batch, containers, f.opening_fish, kg(f.opening_biomass_kg), f.stocked_fish,
        kg(f.stocked_biomass_kg), f.transfers_in_fish, kg(f.transfers_in_biomass_kg), f.transfers_out_fish,
        kg(f.transfers_out_biomass_kg), f.harvested_fish, kg(f.harvested_biomass_kg), f.deaths_fish,
        *(f.deaths[cause] for cause in DEATH_CAUSES), kg(f.dead_biomass_kg), f.closing_fish,
        kg(f.closing_biomass_kg), Decimal(f.feed_kg).quantize(KG), kg(f.production_kg), f.economic_fcr,
        f.biological_fcr, "; ".join(f"{kind} ×{n}" for kind, n in sorted(f.treatments.items())), f.difference_fish,
    ]  # fmt: skip


def report_rows(report: SiteMonth) -> list[list]:
    """The table of the report: its batches, then the site's total (batch ``ALL``)."""
    site, month = report.site.name, report.month.label
    rows = [flows_row(site, month, b.batch_number, ", ".join(b.containers), b.flows) for b in report.batches]
    rows.append(flows_row(site, month, "ALL", "", report.total))
    return rows
