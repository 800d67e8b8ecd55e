from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from apps.forecast.models import GrowthSegment, Projection
from apps.planning.summary import covering_activities, crossing_flag_today, forecast_summary_for_farm
from apps.infrastructure.models import Site


@admin.register(GrowthSegment)
class GrowthSegmentAdmin(admin.ModelAdmin):
    list_display = ("assignment", "start_date", "end_date", "days", "realised_tgc", "scenario_tgc", "performance_ratio", "biological_fcr")
    list_filter = ("batch",)
    readonly_fields = [f.name for f in GrowthSegment._meta.fields]


@admin.register(Projection)
class ProjectionAdmin(admin.ModelAdmin):
    """The projections with their planning flags; ``summary/`` shows the farm's forecast summary by ISO week."""

    list_display = (
        "batch", "assignment", "as_of_date", "days", "performance_ratio", "performance_source", "harvest_date",
        "harvest_flag", "sea_transfer_date", "sea_transfer_flag",
    )
    list_filter = ("batch", "performance_source")
    exclude = ("series",)
    readonly_fields = [f.name for f in Projection._meta.fields if f.name != "series"]

    def get_queryset(self, request):
        def covered(kind):
            return Exists(covering_activities([kind]).filter(assignment_id=OuterRef("assignment_id")))

        return (
            super().get_queryset(request).select_related("batch", "assignment__container__site")
            .annotate(harvest_planned=covered("harvest"), sea_transfer_planned=covered("sea_transfer"))
        )  # fmt: skip

    @admin.display(description="harvest flag")
    def harvest_flag(self, obj) -> str:
        return crossing_flag_today(obj.harvest_date, planned=obj.harvest_planned)

    @admin.display(description="sea-transfer flag")
    def sea_transfer_flag(self, obj) -> str:
        if obj.sea_transfer_target_g is None:
            return "-"  # not in fresh water
        return crossing_flag_today(obj.sea_transfer_date, planned=obj.sea_transfer_planned)

    def get_urls(self):
        summary = path("summary/", self.admin_site.admin_view(self.summary_view), name="forecast_projection_summary")
        return [summary, *super().get_urls()]

    def summary_view(self, request):
        """The farm's harvests and sea transfers by ISO week (``?site=<id>``: one site), for those who may view
        projections."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        sites = list(Site.objects.order_by("name").values_list("id", "name"))
        site = request.GET.get("site", "")
        site_id = int(site) if site.isdigit() and int(site) in dict(sites) else None
        body = forecast_summary_for_farm(today=timezone.localdate(), site_id=site_id)
        rows = [("overdue", "earlier", _cells(body["overdue"]))]
        rows += [(w["week"], w["start_date"], _cells(w)) for w in body["weeks"]]
        context = {
            **self.admin_site.each_context(request), "title": "Forecast summary by ISO week", "opts": self.model._meta,
            "summary": body, "rows": rows, "sites": sites, "site_id": site_id,
        }
        return TemplateResponse(request, "admin/forecast/summary.html", context)


def _cells(bucket: dict) -> list[dict]:
    """A week's harvest and sea-transfer cells: counts, P50 fish, biomass in tonnes (blank when none)."""
    cells = []
    for kind in ("harvest", "sea_transfer"):
        c = bucket[kind]
        t = {q: c["biomass_kg"][q] / 1000 for q in ("p10", "p50", "p90")}
        cells.append({
            "assignments": c["assignments"] or "", "needs_planning": c["needs_planning"] or "",
            "fish": f"{c['population']['p50']:,}" if c["assignments"] else "",
            "biomass": f"{t['p50']:,.1f} ({t['p10']:,.1f}–{t['p90']:,.1f})" if c["assignments"] else "",
        })
    return cells
