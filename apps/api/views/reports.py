"""The monthly site report (docs/import-export.md, "The monthly site report"), as JSON or as a file."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.scope import is_visible
from apps.api.exports import ExportMixin
from apps.api.serializers import reports as rs
from apps.reports.monthly import COLUMNS, report_rows, site_month_report


def report_body(report) -> dict:
    """The report as the API's JSON: the table's lines keyed by their columns, and the treatments."""
    rows = [dict(zip(COLUMNS, row)) for row in report_rows(report)]
    return {
        "site_id": report.site.pk,
        "site": report.site.name,
        "month": report.month.label,
        "first_date": report.month.first,
        "last_date": report.month.last,
        "computed_through": report.computed_through,
        "batches": rows[:-1],
        "total": rows[-1],
        "treatments": [vars(t) for t in report.treatments],
    }


class SiteMonthReportView(ExportMixin, APIView):
    """The monthly site report, for every authenticated user (viewer)."""

    export_actions = ("get",)  # ?format=csv|xlsx: one row per batch, then the site's total (batch "ALL")
    export_basename = "site-month-report"

    @extend_schema(
        parameters=[rs.SiteMonthQuerySerializer],
        responses={200: rs.SiteMonthReportSerializer},
        summary="A site's month: fish and biomass in and out, deaths by cause, feed, FCR, treatments, per batch",
    )
    def get(self, request):
        """Opening and closing fish and biomass, stocked, transfers in and out of the site, harvested, deaths by
        cause (recorded causes, the model's estimate, deaths in handling), feed, economic and biological FCR and
        the treatments, per batch and for the site, from the stored daily states and the recorded events."""
        query = rs.SiteMonthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        site = query.validated_data["site"]
        if not is_visible(request.user, site):  # a site outside the user's grants (docs/access.md)
            raise NotFound("site: no site with this id in your sites.")
        report = site_month_report(site=site, month=query.validated_data["month"])
        if self.export_format():
            return Response([dict(zip(COLUMNS, row)) for row in report_rows(report)])
        return Response(rs.SiteMonthReportSerializer(report_body(report)).data)
