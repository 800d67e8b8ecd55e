from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from apps.batch.labels import assignment_label
from apps.batch.models import Batch, MortalityEvent
from apps.environmental.models import EnvironmentalParameter
from apps.infrastructure.models import Container, Site
from apps.inventory.models import Feed
from apps.planning.models import PlannedActivity
from apps.web.reads.coming_up import farm_coming_up
from apps.web.reads.container_detail import container_detail
from apps.web.reads.growth_common import recompute_status
from apps.web.reads.overview import farm_overview
from apps.web.reads.record import site_pens
from aquamind.domain import TEMPERATURE_CODE


def _overview_context(request) -> dict:
    search = request.GET.get("q", "").strip()[:100]
    site = request.GET.get("site", "")
    site_id = int(site) if site.isdigit() else None
    return {
        "overview": farm_overview(today=timezone.localdate(), search=search, site_id=site_id),
        "sites": Site.objects.order_by("name"),
        "search": search,
        "site_id": site_id,
    }


#: the weeks of harvests and sea transfers the overview's "Coming up" shows
COMING_UP_WEEKS = 8


@login_required
def overview(request):
    """The start page: what is coming up (harvests, sea transfers, what needs planning), then sites → containers
    holding fish, and the batches, with their figures."""
    context = _overview_context(request)
    context["coming_up"] = farm_coming_up(
        today=context["overview"].today, weeks=COMING_UP_WEEKS, site_id=context["site_id"]
    )
    return render(request, "web/overview.html", context)


@login_required
def batch_list(request):
    return render(request, "web/batch_list.html", _overview_context(request))


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


def _plan_context(batch: Batch) -> dict:
    """What the plan's form (web/_plan.html) lists: the batch's containers holding fish now and every container
    (a place, or a transfer's destination); two queries."""
    active = (
        batch.assignments.filter(departure_date__isnull=True)
        .select_related("container__site")
        .order_by("container__name")
    )
    return {
        "types": PlannedActivity.Type.choices,
        "planning_days": settings.FORECAST_PLANNING_DAYS,
        "assignments": [
            (a.pk, assignment_label(a.container.name, a.container.site.name, a.assignment_date, None)) for a in active
        ],
        "containers": Container.objects.select_related("site").order_by("site__name", "name"),
    }


@login_required
def batch_growth(request, pk: int):
    """A batch: its growth chart with the segment table, its plan (forecast summary and planned activities, with a
    form to plan one) and the quick-entry forms."""
    batch = get_object_or_404(Batch, pk=pk)
    return render(
        request,
        "web/batch_growth.html",
        {
            "batch": batch,
            "status": recompute_status(batch=batch),
            "time_zone": settings.TIME_ZONE,
            "plan": _plan_context(batch),
            **_quick_entry_context(),
        },
    )


@login_required
def container_page(request, pk: int):
    """A container: what it holds now, its recent days and its history, the chart of its assignments (the
    current one first) and the quick-entry forms for them."""
    container = get_object_or_404(Container.objects.select_related("site"), pk=pk)
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


@login_required
def container_record(request, pk: int):
    """Recording at the pen, on a phone: a growth sample as casts, mortality with its cause, feeding and a
    temperature for this container's fish today (the site's other containers one choice away)."""
    container = get_object_or_404(Container.objects.select_related("site"), pk=pk)
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
def site_record(request, pk: int):
    """A site's day in one form: the dead fish (with cause) and the feed of every container holding fish,
    saved all together or not at all (``batch/day-entries/``)."""
    site = get_object_or_404(Site, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "web/record_site.html",
        {"site": site, "pens": site_pens(site_id=site.pk, day=today), **_quick_entry_context()},
    )
