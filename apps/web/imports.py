"""The import page for managers (docs/import-export.md, "The import page"): upload a farm's history files, see
the dry run's problems by file, row and column, confirm a clean one; large uploads run in a worker and the page
polls the job's progress. Templates of every file kind, with one example row each, are downloaded here."""

from __future__ import annotations

import contextlib
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.access.scope import user_scope
from apps.farmio import kinds as K
from apps.farmio.exporting import template_rows
from apps.farmio.jobs import ALL_SITES_NEEDED, OPEN, UploadRefused, job_confirm, job_create, job_view
from apps.farmio.models import ImportJob
from aquamind.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, xlsx_write

IMPORT_PERMISSION = "farmio.add_importjob"  # the manager role and above (apps/api/roles.py)
RECENT_JOBS = 10


def _manager(request) -> None:
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("Importing a farm's history needs the manager role.")
    if not user_scope(request.user).is_all:
        raise PermissionDenied(ALL_SITES_NEEDED)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    _manager(request)
    error = ""
    if request.method == "POST":
        try:
            job = job_create(user=request.user, uploads=request.FILES.getlist("files"), dry_run=True)
        except UploadRefused as exc:
            error = exc.message
        else:
            return redirect("import-job-page", pk=job.pk)
    context = {
        "kinds": K.FILE_KINDS,
        "jobs": ImportJob.objects.order_by("-created_at", "-id")[:RECENT_JOBS],
        "error": error,
    }
    return render(request, "web/imports.html", context, status=400 if error else 200)


@login_required
def import_job_page(request, pk: int):
    _manager(request)
    job = get_object_or_404(ImportJob, pk=pk)
    return render(request, "web/import_job.html", {"job": job, "open": job.status in OPEN, "report": job.report})


@login_required
def import_job_status(request, pk: int):
    """The page's poll: status and progress (JSON)."""
    _manager(request)
    view = job_view(get_object_or_404(ImportJob, pk=pk))
    return JsonResponse({"status": view["status"], "progress": view["progress"], "open": view["status"] in OPEN})


@login_required
@require_POST
def import_job_confirm(request, pk: int):
    _manager(request)
    job = get_object_or_404(ImportJob, pk=pk)
    with contextlib.suppress(UploadRefused):  # the page shows the job's status, which says why
        job_confirm(job)
    return redirect("import-job-page", pk=job.pk)


@login_required
def import_template(request, name: str):
    """``<kind>.csv``: the header and one example row; ``farm.xlsx``: a workbook with a sheet per kind."""
    if name == "farm.xlsx":
        out = io.BytesIO()
        xlsx_write(out, ((k.name, k.header, template_rows(k)) for k in K.FILE_KINDS))
        response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    else:
        kind = K.BY_NAME.get(name.removesuffix(".csv")) if name.endswith(".csv") else None
        kind = kind if kind is not None and kind.file else None
        if kind is None:
            raise Http404("No such template.")
        response = StreamingHttpResponse(csv_stream(kind.header, template_rows(kind)), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
