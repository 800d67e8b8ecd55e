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

from apps.access.scope import scoped_for
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
    sites: list[SiteRow]  # the page's sites
    batches: int  # batches on the farm, every status
    page: Page | None = None  # the page of sites (PAGE_SIZE a page) the rows are


#: rows per page of a site's containers and of the batch list: well under 100 KB of HTML at national scale
PAGE_SIZE = 50


def recompute_word(batch, pending: int) -> str:
    """A batch's recompute status in words (``batch``: a Batch, or a Held row that carries its batch's)."""
    if batch.last_recompute_error_code:
        return f"error: {batch.last_recompute_error_code}"
    if pending:
        return f"pending ({pending})"
    return "up to date" if batch.last_recompute_success_at else "never computed"


@dataclass(frozen=True, slots=True)
class Held:
    """An assignment holding fish, as the overview's reads need it: plain values, no model instances (1,600
    assignments with their container, site, batch, species and stage as models cost 1.2 s, issue 21)."""

    assignment_id: int
    assignment_date: dt.date
    batch_id: int
    batch_number: str
    batch_error_code: str
    batch_computed_at: dt.datetime | None
    container_id: int
    container: str
    volume_m3: float | None
    site_id: int
    site: str
    stage: str

    @property
    def last_recompute_error_code(self) -> str:  # recompute_word reads a Held as it reads its batch
        return self.batch_error_code

    @property
    def last_recompute_success_at(self) -> dt.datetime | None:
        return self.batch_computed_at

    @property
    def text(self) -> str:
        """What a search matches: site, container, batch and stage names."""
        return f"{self.site} {self.container} {self.batch_number} {self.stage}".lower()


HELD_FIELDS = (
    "id", "assignment_date", "batch_id", "batch__batch_number", "batch__last_recompute_error_code",
    "batch__last_recompute_success_at", "container_id", "container__name", "container__volume_m3",
    "container__site_id", "container__site__name", "lifecycle_stage__name",
)  # fmt: skip


def open_assignments(*, site_id: int | None = None, search: str = "", user=None) -> list[Held]:
    """Assignments holding fish (no departure date), by site, then container name; ``search`` keeps those whose
    site, container, batch or stage name holds every word (case-insensitive); ``user``: their sites only
    (docs/access.md). One query."""
    query = scoped_for(BatchContainerAssignment.objects.filter(departure_date__isnull=True), user)
    if site_id is not None:
        query = query.filter(container__site_id=site_id)
    rows = query.order_by("container__site__name", "container__name", "id").values_list(*HELD_FIELDS)
    held = [Held(*r[:8], float(r[8]) if r[8] else None, *r[9:]) for r in rows]
    words = search.lower().split()
    return [h for h in held if all(w in h.text for w in words)] if words else held


def pending_by_batch() -> dict[int, int]:
    """Pending recompute markers per batch id (one query)."""
    return dict(
        RecomputeMarker.objects.values("batch_id").order_by().annotate(n=Count("id")).values_list("batch_id", "n")
    )


def farm_sites(
    *, today: dt.date, search: str = "", site_id: int | None = None, user=None, page: int = 1
) -> SitesOverview:
    """The sites (or the one ``site_id``), a page (PAGE_SIZE) at a time by name, each with the figures of its
    containers holding fish summed; ``search`` keeps the containers whose site, container, batch or stage name
    holds every word, and the sites that keep one. The overview's shape at any scale: one row per site, the
    containers on the site's page; the figures are read for the page's sites only (a national farm's 174 sites
    are four pages, each reading a quarter of the states). Seven queries whatever the farm's size."""
    held = open_assignments(site_id=site_id, search=search, user=user)  # 1
    visible = scoped_for(Site.objects.order_by("name"), user)
    every = {s.pk: SiteRow(site=s) for s in visible if not site_id or s.pk == site_id}  # 2
    holding = {h.site_id for h in held}
    kept = [row for pk, row in every.items() if pk in holding or not search]
    shown = Paginator(kept, PAGE_SIZE).get_page(page)
    sites = {row.site.pk: row for row in shown}
    held = [h for h in held if h.site_id in sites]
    figures = figures_for({h.assignment_id: h.volume_m3 for h in held}, today=today)  # 3-5
    pending = pending_by_batch()  # 6
    batches_by_site: dict[int, dict[int, Held]] = {}
    for h in held:
        site = sites[h.site_id]
        site.containers += 1
        site.figures.add(figures[h.assignment_id])
        batches_by_site.setdefault(h.site_id, {})[h.batch_id] = h
    for site_pk, batches in batches_by_site.items():
        site = sites[site_pk]
        site.batches = len(batches)
        site.pending = sum(1 for b in batches if pending.get(b))
        site.errors = sum(1 for h in batches.values() if h.batch_error_code)
        site.days_since_sample = site.figures.days_since_sample(today)
    return SitesOverview(
        today=today,
        sites=list(shown),
        batches=scoped_for(Batch.objects.all(), user).count(),
        page=shown,  # 7
    )


def site_containers(*, site: Site, today: dt.date, page: int = 1, search: str = "") -> tuple[Page, list[ContainerRow]]:
    """One page (PAGE_SIZE) of ``site``'s containers holding fish, by container name, with their figures;
    ``search`` as on the overview. Figures are read for the page's containers only: five queries."""
    shown = Paginator(open_assignments(site_id=site.pk, search=search), PAGE_SIZE).get_page(page)  # 1
    pending = pending_by_batch()  # 2
    figures = figures_for({h.assignment_id: h.volume_m3 for h in shown}, today=today)  # 3-5
    return shown, [_container_row(h, figures[h.assignment_id], today, pending.get(h.batch_id, 0)) for h in shown]


def batch_page(
    *, today: dt.date, page: int = 1, search: str = "", site_id: int | None = None, user=None
) -> tuple[Page, list]:
    """One page (PAGE_SIZE) of the batch list, by batch number, each batch with the figures of its containers
    holding fish summed. With ``search`` or ``site_id`` only the batches of the containers kept (as on the
    overview), otherwise every batch (those without fish have no figures). Seven queries whatever the farm's
    size."""
    held = open_assignments(site_id=site_id, search=search, user=user)  # 1
    pending = pending_by_batch()  # 2
    every = scoped_for(Batch.objects.all(), user)
    batches = every.filter(pk__in={h.batch_id for h in held}) if search or site_id else every
    ordered = batches.select_related("species").order_by("batch_number", "pk")
    shown = Paginator(ordered, PAGE_SIZE).get_page(page)  # 3-4
    on_page = {b.pk for b in shown}
    held = [h for h in held if h.batch_id in on_page]
    figures = figures_for({h.assignment_id: h.volume_m3 for h in held}, today=today)  # 5-7
    rows: dict[int, BatchRow] = {
        b.pk: BatchRow(
            batch=b,
            containers=0,
            figures=Figures(),
            days_since_sample=None,
            recompute=recompute_word(b, pending.get(b.pk, 0)),
        )
        for b in shown
    }
    for h in held:
        row = rows[h.batch_id]
        row.containers += 1
        row.figures.add(figures[h.assignment_id])
        if h.stage not in row.stages:
            row.stages.append(h.stage)
    for row in rows.values():
        row.days_since_sample = row.figures.days_since_sample(today)
    return shown, list(rows.values())


def assignment_figures(assignments: list[BatchContainerAssignment], *, today: dt.date) -> dict[int, Figures]:
    """``figures_for`` of assignments that come with their containers."""
    return figures_for({a.pk: a.container.volume_m3 for a in assignments}, today=today)


def figures_for(volumes: dict, *, today: dt.date) -> dict[int, Figures]:
    """Each assignment's figures from its stored states (the latest state, the last 7 and 30 days up to
    ``today``) and its last sample, keyed by assignment id; ``volumes`` maps each assignment id to its
    container's volume (m³, or None). Three queries on PostgreSQL (elsewhere a fourth when an assignment has no
    state in the last 30 days)."""
    ids = list(volumes)
    figures: dict[int, Figures] = {aid: Figures(volume_m3=float(v) if v else None) for aid, v in volumes.items()}
    week, month = today - dt.timedelta(days=7), today - dt.timedelta(days=30)
    for aid, day, fish, biomass in _latest_states(ids, month):
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


LATEST_STATE_SQL = f"""
    SELECT s.assignment_id, s.date, s.population, s.biomass_kg
    FROM unnest(%s::bigint[]) AS a(id)
    CROSS JOIN LATERAL (
        SELECT assignment_id, date, population, biomass_kg FROM {ActualDailyAssignmentState._meta.db_table}
        WHERE assignment_id = a.id ORDER BY date DESC LIMIT 1
    ) AS s
"""


def _latest_states(ids: list[int], since: dt.date) -> list[tuple]:
    """(assignment id, date, fish, biomass) of each assignment's latest stored state. On PostgreSQL one
    backward probe of the (assignment, date) index per assignment (LATERAL ... LIMIT 1): one query whatever the
    states' age. DISTINCT ON read every day of an assignment with no state in the last 30 days: 2.2 s for a
    national farm whose states stopped a while ago (issue 21). Elsewhere the latest after ``since`` and, for
    the assignments with none, a correlated subquery."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(LATEST_STATE_SQL, [ids])
            return cursor.fetchall()
    columns = ("assignment_id", "date", "population", "biomass_kg")
    states = ActualDailyAssignmentState.objects.filter(assignment_id__in=ids)
    latest = (
        ActualDailyAssignmentState.objects.filter(assignment_id=OuterRef("assignment_id"))
        .order_by("-date")
        .values("date")[:1]
    )
    recent = list(states.filter(date__gt=since, date=Subquery(latest)).values_list(*columns))
    missing = set(ids) - {r[0] for r in recent}  # no state in the last 30 days (rare: a stale recompute)
    older = states.filter(assignment_id__in=missing, date=Subquery(latest)).values_list(*columns) if missing else []
    return [*recent, *older]


def _container_row(h: Held, f: Figures, today: dt.date, pending: int) -> ContainerRow:
    return ContainerRow(
        assignment_id=h.assignment_id,
        label=assignment_label(h.container, h.site, h.assignment_date, None),
        site=h.site,
        site_id=h.site_id,
        container_id=h.container_id,
        container=h.container,
        batch_id=h.batch_id,
        batch_number=h.batch_number,
        stage=h.stage,
        figures=f,
        days_since_sample=f.days_since_sample(today),
        recompute=recompute_word(h, pending),
    )
