from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from apps.batch.models import Batch, MortalityEvent
from apps.batch.overview import farm_overview
from apps.batch.selectors import recompute_status
from apps.environmental.models import EnvironmentalParameter
from apps.infrastructure.models import Site
from apps.inventory.models import Feed
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


@login_required
def overview(request):
    """The start page: sites → containers holding fish, and the batches, with their figures."""
    return render(request, "web/overview.html", _overview_context(request))


@login_required
def batch_list(request):
    return render(request, "web/batch_list.html", _overview_context(request))


@login_required
def batch_growth(request, pk: int):
    batch = get_object_or_404(Batch, pk=pk)
    temperature = EnvironmentalParameter.objects.filter(code__iexact=TEMPERATURE_CODE).values_list("pk", flat=True).first()
    return render(
        request,
        "web/batch_growth.html",
        {
            "batch": batch,
            "status": recompute_status(batch=batch),
            "time_zone": settings.TIME_ZONE,
            "today": timezone.localdate(),
            "mortality_causes": MortalityEvent.Cause.choices,
            "feeds": Feed.objects.order_by("name"),
            "temperature_parameter_id": temperature,
        },
    )
