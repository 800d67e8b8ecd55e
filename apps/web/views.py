from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from apps.batch.models import Batch, MortalityEvent
from apps.batch.selectors import recompute_status
from apps.environmental.models import EnvironmentalParameter
from apps.inventory.models import Feed
from aquamind.domain import TEMPERATURE_CODE


@login_required
def batch_list(request):
    batches = Batch.objects.select_related("species").order_by("batch_number")
    return render(request, "web/batch_list.html", {"batches": batches})


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
