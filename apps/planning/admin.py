from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from apps.forecast.models import Projection
from apps.infrastructure.admin_filters import RelatedSelectFilter, container_filter
from apps.infrastructure.models import Site
from apps.planning import selectors
from apps.planning.models import ActivityTemplate, PlannedActivity
from apps.planning.summary import covering_activities, crossing_flag_today, forecast_summary_for_farm
from apps.planning.validation import planned_activity_validate
from aquamind.admin import ROWS_PER_PAGE, validated_form


def _activity_validate(activity: PlannedActivity) -> None:
    stored = PlannedActivity.objects.filter(pk=activity.pk).first() if activity.pk else None
    planned_activity_validate(activity, stored=stored)


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.overdue_q())
        if self.value() == "no":
            return queryset.exclude(selectors.overdue_q())
        return queryset


@admin.register(PlannedActivity)
class PlannedActivityAdmin(admin.ModelAdmin):
    """Plans are edited here; completing one (which records its event) is the API's complete action."""

    form = validated_form(PlannedActivity, _activity_validate)
    list_display = [
        "due_date",
        "activity_type",
        "batch",
        "assignment",
        "container",
        "status",
        "overdue",
        "completed_date",
        "variance",
    ]
    list_filter = [
        "status",
        "activity_type",
        ("batch", RelatedSelectFilter),
        container_filter("container"),
        OverdueFilter,
        "template",
        "due_date",
    ]
    search_fields = ["batch__batch_number", "assignment__container__name", "container__name", "notes"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["batch", "assignment", "container"]
    list_select_related = ["batch", "assignment__container__site", "container__site"]
    readonly_fields = [
        "completed_date",
        "template",
        "follows_projection",
        "transfer",
        "growth_sample",
        "treatment",
        "created_by",
        "completed_by",
        "created_at",
        "updated_at",
    ]

    @admin.display(boolean=True, description="overdue")
    def overdue(self, activity):
        return selectors.is_overdue(activity)

    @admin.display(description="variance (days)")
    def variance(self, activity):
        return selectors.variance_days(activity)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif "due_date" in form.changed_data:
            obj.follows_projection = False  # a date set by hand stays
        super().save_model(request, obj, form, change)


@admin.register(ActivityTemplate)
class ActivityTemplateAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "activity_type",
        "trigger",
        "weight_g",
        "to_stage",
        "lead_days",
        "is_active",
        "species",
        "stage",
    ]
    list_filter = ["is_active", "activity_type", "trigger", "species"]
    search_fields = ["name"]
    list_select_related = ["to_stage", "species", "stage"]


@admin.register(Projection)
class ProjectionAdmin(admin.ModelAdmin):
    """The projections with their planning flags; ``summary/`` shows the farm's forecast summary by ISO week."""

    list_per_page = ROWS_PER_PAGE

    list_display = (
        "batch",
        "assignment",
        "as_of_date",
        "days",
        "performance_ratio",
        "performance_source",
        "harvest_date",
        "harvest_flag",
        "sea_transfer_date",
        "sea_transfer_flag",
    )
    list_filter = (("batch", RelatedSelectFilter), "performance_source")
    exclude = ("series",)
    readonly_fields = [f.name for f in Projection._meta.fields if f.name != "series"]

    def get_queryset(self, request):
        def covered(kind):
            return Exists(covering_activities([kind]).filter(assignment_id=OuterRef("assignment_id")))

        return (
            super().get_queryset(request).select_related("batch", "assignment__container__site")
            .defer("series")  # each projection's days (tens of KB of JSON): shown neither in the list nor the form
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
            **self.admin_site.each_context(request),
            "title": "Forecast summary by ISO week",
            "opts": self.model._meta,
            "summary": body,
            "rows": rows,
            "sites": sites,
            "site_id": site_id,
        }
        return TemplateResponse(request, "admin/forecast/summary.html", context)


def _cells(bucket: dict) -> list[dict]:
    """A week's harvest and sea-transfer cells: counts, P50 fish, biomass in tonnes (blank when none)."""
    cells = []
    for kind in ("harvest", "sea_transfer"):
        c = bucket[kind]
        t = {q: c["biomass_kg"][q] / 1000 for q in ("p10", "p50", "p90")}
        cells.append(
            {
                "assignments": c["assignments"] or "",
                "needs_planning": c["needs_planning"] or "",
                "fish": f"{c['population']['p50']:,}" if c["assignments"] else "",
                "biomass": f"{t['p50']:,.1f} ({t['p10']:,.1f}–{t['p90']:,.1f})" if c["assignments"] else "",
            }
        )
    return cells
