import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from apps.access.scope import user_scope, visible_to
from apps.audit.history import (
    EVENTS,
    Cursor,
    FeedFilter,
    cursor_of,
    feed,
    history_recorded,
    kind_name,
    record_history,
    record_visible,
)
from apps.batch.labels import assignment_label
from apps.batch.models import Batch, MortalityEvent
from apps.environmental.models import EnvironmentalParameter
from apps.infrastructure.models import Container, Site
from apps.inventory.models import Feed
from apps.planning.models import PlannedActivity
from apps.web.reads.coming_up import farm_coming_up
from apps.web.reads.container_detail import container_detail
from apps.web.reads.growth_common import recompute_status
from apps.web.reads.overview import batch_page, farm_sites, site_containers
from apps.web.reads.record import site_pens
from aquamind.domain import TEMPERATURE_CODE


def _filters(request) -> dict:
    """The search words and the site of the filter form (web/_filters.html), as the pages read them."""
    search = request.GET.get("q", "").strip()[:100]
    site = request.GET.get("site", "")
    return {"search": search, "site_id": int(site) if site.isdigit() and len(site) < 10 else None}


def _page_number(request) -> int:
    """``?page=`` as a number; anything else is the first page (a page past the last is the last one)."""
    page = request.GET.get("page", "")
    return max(1, int(page)) if page.isdigit() and len(page) < 10 else 1


def _overview_context(request) -> dict:
    filters = _filters(request)
    return {
        "overview": farm_sites(
            today=timezone.localdate(),
            search=filters["search"],
            site_id=filters["site_id"],
            user=request.user,
            page=_page_number(request),
        ),
        "sites": visible_to(Site.objects.order_by("name"), request.user),
        **filters,
    }


HISTORY_PAGE = 50
#: the weeks of harvests and sea transfers the overview's "Coming up" shows
COMING_UP_WEEKS = 8


@login_required
def overview(request):
    """The start page: what is coming up (harvests, sea transfers, what needs planning), then one row per site
    with its containers' figures summed; a site's containers are on its page (``site_page``)."""
    context = _overview_context(request)
    context["coming_up"] = farm_coming_up(
        today=context["overview"].today,
        weeks=COMING_UP_WEEKS,
        site_id=context["site_id"],
        search=context["search"],
        user=request.user,
    )
    return render(request, "web/overview.html", context)


@login_required
def site_page(request, pk: int):
    """One site: its containers holding fish with their figures, a page (PAGE_SIZE) at a time."""
    site = get_object_or_404(visible_to(Site.objects.all(), request.user), pk=pk)
    filters = _filters(request)
    page, rows = site_containers(
        site=site, today=timezone.localdate(), page=_page_number(request), search=filters["search"]
    )
    context = {"site": site, "page": page, "rows": rows, "today": timezone.localdate(), **filters}
    return render(request, "web/site.html", context)


@login_required
def batch_list(request):
    """Every batch with its containers' figures summed, a page (PAGE_SIZE) at a time; search and site filter."""
    filters = _filters(request)
    page, rows = batch_page(today=timezone.localdate(), page=_page_number(request), user=request.user, **filters)
    sites = visible_to(Site.objects.order_by("name"), request.user)
    context = {"page": page, "batch_rows": rows, "sites": sites, **filters}
    return render(request, "web/batch_list.html", context)


def _quick_entry_context() -> dict:
    """What the quick-entry forms (web/quick_entry.html) need, on the batch and the container pages."""
    temperature = (
        EnvironmentalParameter.objects.filter(code__iexact=TEMPERATURE_CODE).values_list("pk", flat=True).first()
    )
    return {
        "today": timezone.localdate(),
        "mortality_causes": MortalityEvent.Cause.choices,
        "feeds": Feed.objects.order_by("name"),
        "temperature_parameter_id": temperature,
    }


def _plan_context(batch: Batch, user) -> dict:
    """What the plan's form (web/_plan.html) lists: the batch's containers holding fish now and every container
    (a place, or a transfer's destination) of the user's sites; two queries."""
    active = (
        visible_to(batch.assignments.filter(departure_date__isnull=True), user)
        .select_related("container__site")
        .order_by("container__name")
    )
    return {
        "types": PlannedActivity.Type.choices,
        "planning_days": settings.FORECAST_PLANNING_DAYS,
        "assignments": [
            (a.pk, assignment_label(a.container.name, a.container.site.name, a.assignment_date, None)) for a in active
        ],
        "containers": visible_to(Container.objects.select_related("site"), user).order_by("site__name", "name"),
    }


@login_required
def batch_growth(request, pk: int):
    """A batch: its growth chart with the segment table, its plan (forecast summary and planned activities, with a
    form to plan one) and the quick-entry forms."""
    batch = get_object_or_404(visible_to(Batch.objects.all(), request.user), pk=pk)
    return render(
        request,
        "web/batch_growth.html",
        {
            "batch": batch,
            "status": recompute_status(batch=batch),
            "time_zone": settings.TIME_ZONE,
            "plan": _plan_context(batch, request.user),
            **_quick_entry_context(),
        },
    )


@login_required
def container_page(request, pk: int):
    """A container: what it holds now, its recent days and its history, the chart of its assignments (the
    current one first) and the quick-entry forms for them."""
    container = get_object_or_404(visible_to(Container.objects.select_related("site"), request.user), pk=pk)
    detail = container_detail(container=container, today=timezone.localdate())
    shown = (detail.current or detail.history or [None])[0]
    return render(
        request,
        "web/container.html",
        {
            "detail": detail,
            "shown": shown,
            "choices": [*detail.current, *(h for h in detail.history if h.assignment.departure_date)],
            "status": recompute_status(batch=shown.assignment.batch) if shown else None,
            "time_zone": settings.TIME_ZONE,
            **_quick_entry_context(),
        },
    )


#: the history pages' filters, read leniently: a page shows what it can, the API refuses bad input by name
def _int_param(request, name: str, *, digits: int = 11) -> int | None:  # an id
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= digits else None


def _day_param(request, name: str):
    try:
        day = dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2999 else None  # beyond: no change can be there (and no overflow)


@login_required
def history_feed(request):
    """The farm's recent changes, filterable by user, site, kind and day, with a CSV export of the same."""
    kind = request.GET.get("kind", "")
    filters = FeedFilter(
        user=_int_param(request, "user"),
        site=_int_param(request, "site"),
        kinds=[kind] if kind in EVENTS else [],
        since=_day_param(request, "since"),
        until=_day_param(request, "until"),
        after=Cursor.parse(request.GET.get("after", "")[:200]),
        sites=user_scope(request.user).site_ids(),
    )
    entries = feed(filters, limit=HISTORY_PAGE)
    query = {k: v for k, v in request.GET.items() if k != "after" and v}
    return render(
        request,
        "web/history_feed.html",
        {
            "entries": entries,
            "recorded": history_recorded(),
            "kinds": [(k, kind_name(k)) for k in EVENTS],
            "sites": visible_to(Site.objects.order_by("name"), request.user),
            "users": get_user_model().objects.order_by("username").values_list("pk", "username"),
            "filters": filters,
            "kind": kind if kind in EVENTS else "",
            "export_query": urlencode(query),
            "next_query": urlencode({**query, "after": cursor_of(entries[-1]).text()})
            if len(entries) == HISTORY_PAGE
            else "",
        },
    )


@login_required
def container_record(request, pk: int):
    """Recording at the pen, on a phone: a growth sample as casts, mortality with its cause, feeding and a
    temperature for this container's fish today (the site's other containers one choice away)."""
    container = get_object_or_404(visible_to(Container.objects.select_related("site"), request.user), pk=pk)
    today = timezone.localdate()
    pens = site_pens(site_id=container.site_id, day=today)
    here = [p for p in pens if p.container_id == container.pk]
    return render(
        request,
        "web/record_container.html",
        {
            "container": container,
            "site": container.site,
            "pens": pens,
            "here": here[0] if here else None,
            **_quick_entry_context(),
        },
    )


@login_required
def record_history_page(request, kind: str, pk: int):
    """One record's versions: who, when, through what, and every field's old and new value."""
    if kind not in EVENTS or pk >= 2**63:
        raise Http404("No such kind of record.")
    if not record_visible(kind, pk, user_scope(request.user).site_ids()):
        raise Http404("No such record in your sites.")
    return render(
        request,
        "web/history_record.html",
        {
            "kind": kind,
            "kind_name": kind_name(kind),
            "pk": pk,
            "entries": record_history(kind, pk),
            "recorded": history_recorded(),
        },
    )


@login_required
def site_record(request, pk: int):
    """A site's day in one form: the dead fish (with cause) and the feed of every container holding fish,
    saved all together or not at all (``batch/day-entries/``)."""
    site = get_object_or_404(visible_to(Site.objects.all(), request.user), pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "web/record_site.html",
        {"site": site, "pens": site_pens(site_id=site.pk, day=today), **_quick_entry_context()},
    )
