from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from apps.batch.models import Batch
from apps.batch.selectors import recompute_status


@login_required
def batch_list(request):
    batches = Batch.objects.select_related("species").order_by("batch_number")
    return render(request, "web/batch_list.html", {"batches": batches})


@login_required
def batch_growth(request, pk: int):
    batch = get_object_or_404(Batch, pk=pk)
    return render(request, "web/batch_growth.html", {"batch": batch, "status": recompute_status(batch=batch)})
