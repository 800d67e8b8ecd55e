"""The farm overview: every container holding fish, and every batch, with the figures a farm manager reads
first. Answered from the stored daily states only (nothing is recomputed on read), in a fixed number of
queries whatever the farm's size (pinned by a test)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, DecimalField, F, Max, OuterRef, Q, Subquery, Sum, When

from apps.access.scope import scoped_for
from apps.batch.labels import assignment_label
from apps.batch.models import ActualDailyAssignmentState, Batch, BatchContainerAssignment, GrowthSample, RecomputeMarker


@dataclass
class Figures:
    """Fish, weight (g), biomass (kg), deaths and feed (kg) of the last 7 and 30 days, growth (kg) of the
    last 30 days with an observed FCR, and the states' latest day."""

    fish: int = 0
    biomass_kg: float = 0.0
    deaths_7d: int = 0
    deaths_30d: int = 0
    feed_30d_kg: float = 0.0
    gain_30d_kg: float = 0.0
    fcr_feed_30d_kg: float = 0.0
    state_date: dt.date | None = None
    last_sample: dt.date | None = None
    volume_m3: float | None = None

    @property
    def avg_weight_g(self) -> float | None:
        return self.biomass_kg * 1000 / self.fish if self.fish else None

    @property
    def density_kg_m3(self) -> float | None:
        return self.biomass_kg / self.volume_m3 if self.volume_m3 else None

    def mortality_pct(self, days: int) -> float | None:
        """Deaths of the window as a share of the fish alive at its start (today's fish plus those deaths)."""
        deaths = self.deaths_7d if days == 7 else self.deaths_30d
        start = self.fish + deaths
        return 100 * deaths / start if start else None

    @property
    def mortality_7d_pct(self):
        return self.mortality_pct(7)

    @property
    def mortality_30d_pct(self):
        return self.mortality_pct(30)

    @property
    def fcr_30d(self) -> float | None:
        return self.fcr_feed_30d_kg / self.gain_30d_kg if self.gain_30d_kg > 0 else None

    def days_since_sample(self, today: dt.date) -> int | None:
        return (today - self.last_sample).days if self.last_sample else None

    def add(self, other: Figures) -> None:
        for name in ("fish", "biomass_kg", "deaths_7d", "deaths_30d", "feed_30d_kg", "gain_30d_kg", "fcr_feed_30d_kg"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.state_date = max(filter(None, (self.state_date, other.state_date)), default=None)
        self.last_sample = max(filter(None, (self.last_sample, other.last_sample)), default=None)
        self.volume_m3 = None  # a batch has no one volume


@dataclass
class ContainerRow:
    assignment_id: int
    label: str
    site: str
    site_id: int
    container_id: int
    container: str
    batch_id: int
    batch_number: str
    stage: str
    figures: Figures
    days_since_sample: int | None
    recompute: str


@dataclass
class BatchRow:
    batch: Batch
    containers: int
    figures: Figures
    days_since_sample: int | None
    recompute: str
    stages: list[str] = field(default_factory=list)


@dataclass
class Overview:
    today: dt.date
    sites: list[tuple[str, list[ContainerRow]]]
    batches: list[BatchRow]


def recompute_word(batch: Batch, pending: int) -> str:
    if batch.last_recompute_error_code:
        return f"error: {batch.last_recompute_error_code}"
    if pending:
        return f"pending ({pending})"
    return "up to date" if batch.last_recompute_success_at else "never computed"


def farm_overview(*, today: dt.date, search: str = "", site_id: int | None = None, user=None) -> Overview:
    """Containers holding fish (an assignment without a departure date), grouped by site, and every batch with
    the same figures summed over its containers. ``search`` matches a site, container, batch or stage name;
    ``site_id`` keeps one site's containers; with either, the batch list keeps the batches of the containers
    kept, otherwise it lists every batch (those without fish have no figures). Six queries, and a seventh
    when a container has no state in the last 30 days. ``user``: their sites' containers and batches only."""
    assignments = list(
        scoped_for(BatchContainerAssignment.objects.filter(departure_date__isnull=True), user)
        .select_related("container__site", "batch__species", "lifecycle_stage")
        .order_by("container__site__name", "container__name", "id")
    )  # 1
    figures = assignment_figures(assignments, today=today)  # 2-4
    pending = dict(
        RecomputeMarker.objects.values("batch_id").order_by().annotate(n=Count("id")).values_list("batch_id", "n")
    )  # 5
    rows = [_container_row(a, figures[a.pk], today, pending.get(a.batch_id, 0)) for a in assignments]
    rows = [r for r in rows if _matches(r, search) and (not site_id or r.site_id == site_id)]
    batches = _batches(rows, {a.batch_id: a.batch for a in assignments}, today)
    if not search and not site_id:
        held = {b.batch.pk for b in batches}
        batches += [
            BatchRow(
                batch=b,
                containers=0,
                figures=Figures(),
                days_since_sample=None,
                recompute=recompute_word(b, pending.get(b.pk, 0)),
            )
            for b in scoped_for(Batch.objects.exclude(pk__in=held), user).select_related("species")
        ]  # 6
    batches.sort(key=lambda b: b.batch.batch_number)
    return Overview(today=today, sites=_by_site(rows), batches=batches)


def assignment_figures(assignments: list[BatchContainerAssignment], *, today: dt.date) -> dict[int, Figures]:
    """Each assignment's figures from its stored states (the latest state, the last 7 and 30 days up to
    ``today``) and its last sample, keyed by assignment id. Three queries, and a fourth when an assignment has
    no state in the last 30 days. ``assignments`` come with their containers."""
    ids = [a.pk for a in assignments]
    figures: dict[int, Figures] = {
        a.pk: Figures(volume_m3=float(a.container.volume_m3) if a.container.volume_m3 else None) for a in assignments
    }
    week, month = today - dt.timedelta(days=7), today - dt.timedelta(days=30)
    recent = list(_latest_states(ids, since=month).values_list("assignment_id", "date", "population", "biomass_kg"))
    missing = set(ids) - {r[0] for r in recent}  # no state in the last 30 days (rare: a stale recompute)
    older = (
        _latest_states(sorted(missing)).values_list("assignment_id", "date", "population", "biomass_kg")
        if missing
        else []
    )
    for aid, day, fish, biomass in [*recent, *older]:
        f = figures[aid]
        f.state_date, f.fish, f.biomass_kg = day, fish, float(biomass)
    windows = (
        ActualDailyAssignmentState.objects.filter(assignment_id__in=ids, date__gt=month, date__lte=today)
        .values("assignment_id")
        .order_by()
        .annotate(
            d7=Sum("mortality_count", filter=Q(date__gt=week)),
            d30=Sum("mortality_count"),
            feed=Sum("feed_kg"),
            fcr_feed=Sum("feed_kg", filter=Q(observed_fcr__gt=0)),
            gain=Sum(
                Case(When(observed_fcr__gt=0, then=F("feed_kg") / F("observed_fcr")), output_field=DecimalField())
            ),
        )
    )
    for w in windows:
        f = figures[w["assignment_id"]]
        f.deaths_7d, f.deaths_30d = w["d7"] or 0, w["d30"] or 0
        f.feed_30d_kg, f.fcr_feed_30d_kg = float(w["feed"] or 0), float(w["fcr_feed"] or 0)
        f.gain_30d_kg = float(w["gain"] or 0)
    for aid, last in (
        GrowthSample.objects.filter(assignment_id__in=ids)
        .values("assignment_id")
        .order_by()
        .annotate(last=Max("sample_date"))
        .values_list("assignment_id", "last")
    ):
        figures[aid].last_sample = last
    return figures


def _latest_states(ids: list[int], since: dt.date | None = None):
    """Each assignment's latest stored state (after ``since``): DISTINCT ON over the (assignment, date) index
    on PostgreSQL (a correlated subquery there took 140 ms for the faroe farm's 130 containers, DISTINCT ON
    over all days 39 ms, over the last 30 days a few), the subquery elsewhere."""
    states = ActualDailyAssignmentState.objects.filter(assignment_id__in=ids)
    if since is not None:
        states = states.filter(date__gt=since)
    if connection.vendor == "postgresql":
        return states.order_by("assignment_id", "-date").distinct("assignment_id")
    latest = (
        ActualDailyAssignmentState.objects.filter(assignment_id=OuterRef("assignment_id"))
        .order_by("-date")
        .values("date")[:1]
    )
    return states.filter(date=Subquery(latest))


def _container_row(a: BatchContainerAssignment, f: Figures, today: dt.date, pending: int) -> ContainerRow:
    return ContainerRow(
        assignment_id=a.pk,
        label=assignment_label(a.container.name, a.container.site.name, a.assignment_date, a.departure_date),
        site=a.container.site.name,
        site_id=a.container.site_id,
        container_id=a.container_id,
        container=a.container.name,
        batch_id=a.batch_id,
        batch_number=a.batch.batch_number,
        stage=a.lifecycle_stage.name,
        figures=f,
        days_since_sample=f.days_since_sample(today),
        recompute=recompute_word(a.batch, pending),
    )


def _matches(row: ContainerRow, search: str) -> bool:
    words = search.lower().split()
    text = f"{row.site} {row.container} {row.batch_number} {row.stage}".lower()
    return all(w in text for w in words)


def _by_site(rows: list[ContainerRow]) -> list[tuple[str, list[ContainerRow]]]:
    sites: dict[str, list[ContainerRow]] = {}
    for r in rows:
        sites.setdefault(r.site, []).append(r)
    return list(sites.items())


def _batches(rows: list[ContainerRow], batches: dict[int, Batch], today: dt.date) -> list[BatchRow]:
    """The kept rows' batches, with the rows' figures summed."""
    by_batch: dict[int, BatchRow] = {}
    for r in rows:
        b = by_batch.get(r.batch_id)
        if b is None:
            b = by_batch[r.batch_id] = BatchRow(
                batch=batches[r.batch_id],
                containers=0,
                figures=Figures(),
                days_since_sample=None,
                recompute=r.recompute,
            )
        b.containers += 1
        b.figures.add(r.figures)
        if r.stage not in b.stages:
            b.stages.append(r.stage)
    for b in by_batch.values():
        b.days_since_sample = b.figures.days_since_sample(today)
    return list(by_batch.values())
