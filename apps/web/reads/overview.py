"""The farm overview: every site with the figures a farm manager reads first summed over its containers holding
fish, a site's containers a page at a time, and the batch list a page at a time. Answered from the stored daily
states only (nothing is recomputed on read), in a fixed number of queries whatever the farm's size (pinned by
tests), and in pages, so that a national farm's 1,800 containers never make one page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, DecimalField, F, Max, OuterRef, Q, Subquery, Sum, When

from apps.batch.labels import assignment_label
from apps.batch.models import ActualDailyAssignmentState, Batch, BatchContainerAssignment, GrowthSample, RecomputeMarker
from apps.infrastructure.models import Site


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
class SiteRow:
    """One site on the overview: its containers holding fish and their batches, the figures summed over those
    containers, and how many of its batches wait for a recompute or failed one."""

    site: Site
    containers: int = 0
    batches: int = 0
    figures: Figures = field(default_factory=Figures)
    days_since_sample: int | None = None
    pending: int = 0
    errors: int = 0

    @property
    def recompute(self) -> str:
        if self.errors:
            return f"error in {self.errors} batch{'es' if self.errors > 1 else ''}"
        if self.pending:
            return f"pending ({self.pending} batch{'es' if self.pending > 1 else ''})"
        return "up to date" if self.containers else "–"


@dataclass
class SitesOverview:
    today: dt.date
    sites: list[SiteRow]
    batches: int  # batches on the farm, every status


#: rows per page of a site's containers and of the batch list: well under 100 KB of HTML at national scale
PAGE_SIZE = 50


def recompute_word(batch: Batch, pending: int) -> str:
    if batch.last_recompute_error_code:
        return f"error: {batch.last_recompute_error_code}"
    if pending:
        return f"pending ({pending})"
    return "up to date" if batch.last_recompute_success_at else "never computed"


def open_assignments(*, site_id: int | None = None):
    """Assignments holding fish (no departure date) with their container, site, batch and stage; by site, then
    container name."""
    query = BatchContainerAssignment.objects.filter(departure_date__isnull=True)
    if site_id is not None:
        query = query.filter(container__site_id=site_id)
    return query.select_related("container__site", "batch__species", "lifecycle_stage").order_by(
        "container__site__name", "container__name", "id"
    )


def pending_by_batch() -> dict[int, int]:
    """Pending recompute markers per batch id (one query)."""
    return dict(
        RecomputeMarker.objects.values("batch_id").order_by().annotate(n=Count("id")).values_list("batch_id", "n")
    )


def farm_sites(*, today: dt.date, search: str = "", site_id: int | None = None) -> SitesOverview:
    """Every site (or the one ``site_id``) with the figures of its containers holding fish summed; ``search``
    keeps the containers whose site, container, batch or stage name holds every word, and the sites that keep
    one. The overview's shape at any scale: one row per site, the containers on the site's page. Seven
    queries whatever the farm's size, and an eighth when a container has no state in the last 30 days."""
    assignments = list(open_assignments(site_id=site_id))  # 1
    figures = assignment_figures(assignments, today=today)  # 2-4
    pending = pending_by_batch()  # 5
    sites = {s.pk: SiteRow(site=s) for s in Site.objects.order_by("name") if not site_id or s.pk == site_id}  # 6
    batches_by_site: dict[int, dict[int, Batch]] = {}
    for a in assignments:
        row = _container_row(a, figures[a.pk], today, pending.get(a.batch_id, 0))
        if not _matches(row, search):
            continue
        site = sites[row.site_id]
        site.containers += 1
        site.figures.add(row.figures)
        batches_by_site.setdefault(row.site_id, {})[a.batch_id] = a.batch
    for site_pk, batches in batches_by_site.items():
        site = sites[site_pk]
        site.batches = len(batches)
        site.pending = sum(1 for b in batches if pending.get(b))
        site.errors = sum(1 for b in batches.values() if b.last_recompute_error_code)
        site.days_since_sample = site.figures.days_since_sample(today)
    kept = [s for s in sites.values() if s.containers or not search]
    return SitesOverview(today=today, sites=kept, batches=Batch.objects.count())  # 7


def site_containers(*, site: Site, today: dt.date, page: int = 1, search: str = "") -> tuple[Page, list[ContainerRow]]:
    """One page (PAGE_SIZE) of ``site``'s containers holding fish, by container name, with their figures;
    ``search`` as on the overview. Figures are read for the page's containers only: six or seven queries."""
    assignments = list(open_assignments(site_id=site.pk))  # 1
    pending = pending_by_batch()  # 2
    if search:
        empty = Figures()
        assignments = [a for a in assignments if _matches(_container_row(a, empty, today, 0), search)]
    shown = Paginator(assignments, PAGE_SIZE).get_page(page)
    figures = assignment_figures(list(shown), today=today)  # 3-5
    return shown, [_container_row(a, figures[a.pk], today, pending.get(a.batch_id, 0)) for a in shown]


def batch_page(*, today: dt.date, page: int = 1, search: str = "", site_id: int | None = None) -> tuple[Page, list]:
    """One page (PAGE_SIZE) of the batch list, by batch number, each batch with the figures of its containers
    holding fish summed. With ``search`` or ``site_id`` only the batches of the containers kept (as on the
    overview), otherwise every batch (those without fish have no figures). Seven queries whatever the farm's
    size, and an eighth when a container has no state in the last 30 days."""
    assignments = list(open_assignments(site_id=site_id))  # 1
    pending = pending_by_batch()  # 2
    if search or site_id:
        empty = Figures()
        assignments = [a for a in assignments if _matches(_container_row(a, empty, today, 0), search)]
        batches = Batch.objects.filter(pk__in={a.batch_id for a in assignments})
    else:
        batches = Batch.objects.all()
    shown = Paginator(batches.select_related("species").order_by("batch_number", "pk"), PAGE_SIZE).get_page(page)  # 3-4
    on_page = {b.pk for b in shown}
    assignments = [a for a in assignments if a.batch_id in on_page]
    figures = assignment_figures(assignments, today=today)  # 5-7
    rows = [_container_row(a, figures[a.pk], today, pending.get(a.batch_id, 0)) for a in assignments]
    by_batch = {b.batch.pk: b for b in _batches(rows, {a.batch_id: a.batch for a in assignments}, today)}
    return shown, [
        by_batch.get(b.pk)
        or BatchRow(
            batch=b,
            containers=0,
            figures=Figures(),
            days_since_sample=None,
            recompute=recompute_word(b, pending.get(b.pk, 0)),
        )
        for b in shown
    ]


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
