"""Import a farm's history through the API (docs/import-export.md, docs/api.md "Imports"): upload the files
(multipart), get a job, poll it, confirm a clean dry run. Managers and admins only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.scope import user_scope
from apps.api.permissions import Role
from apps.farmio.jobs import ALL_SITES_NEEDED, UploadRefused, job_confirm, job_create, job_view
from apps.farmio.models import ImportJob


class ImportUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        allow_empty=False,
        min_length=1,
        help_text="<kind>.csv or .xlsx files (a workbook may hold a sheet per kind).",
    )
    dry_run = serializers.BooleanField(default=True, help_text="Check only (default); false: import when clean.")


JOB = inline_serializer(
    "ImportJob",
    {
        "id": serializers.IntegerField(),
        "status": serializers.ChoiceField(choices=ImportJob.Status.choices),
        "dry_run": serializers.BooleanField(),
        "files": serializers.ListField(child=serializers.DictField()),
        "progress": serializers.DictField(child=serializers.IntegerField()),
        "created_at": serializers.DateTimeField(),
        "report": serializers.DictField(),
    },
)


def _refused(exc: UploadRefused) -> ValidationError:
    return ValidationError({exc.field: [serializers.ErrorDetail(exc.message, code="invalid")]})


class ManagerOnly:
    """Every method, reads too, needs the manager role: the jobs show the farm's files and their problems; and a
    grant on every site, since an import writes records of any site its files name (docs/access.md)."""

    action_roles = {None: Role.MANAGER}
    write_role = Role.MANAGER

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not user_scope(request.user).is_all:
            raise PermissionDenied(ALL_SITES_NEEDED)


class ImportCreateView(ManagerOnly, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request=ImportUploadSerializer,
        responses={202: JOB},
        summary="Upload a farm's history files: a dry run (default) or an import when clean",
    )
    def post(self, request):
        body = ImportUploadSerializer(data={"files": request.FILES.getlist("files"), **_dry_run(request)})
        body.is_valid(raise_exception=True)
        try:
            job = job_create(
                user=request.user, uploads=body.validated_data["files"], dry_run=body.validated_data["dry_run"]
            )
        except UploadRefused as exc:
            raise _refused(exc) from None
        return Response(job_view(_fresh(job)), status=status.HTTP_202_ACCEPTED)


def _dry_run(request) -> dict:
    value = request.data.get("dry_run")
    return {} if value is None else {"dry_run": value}


def _fresh(job: ImportJob) -> ImportJob:
    job.refresh_from_db()
    return job


class ImportJobView(ManagerOnly, APIView):
    @extend_schema(responses={200: JOB}, summary="An import job: status, progress and the dry run's report")
    def get(self, request, pk: int):
        return Response(job_view(get_object_or_404(ImportJob, pk=pk)))


class ImportConfirmView(ManagerOnly, APIView):
    @extend_schema(request=None, responses={202: JOB}, summary="Import a checked upload that had no problems")
    def post(self, request, pk: int):
        job = get_object_or_404(ImportJob, pk=pk)
        try:
            job_confirm(job)
        except UploadRefused as exc:
            raise _refused(exc) from None
        return Response(job_view(_fresh(job)), status=status.HTTP_202_ACCEPTED)
