"""The growth segments. The projections' admin, with their planning flags and the farm's summary by ISO week,
is the planning app's (apps/planning/admin.py): the flags join the projections with the planned activities."""

from django.contrib import admin

from apps.forecast.models import GrowthSegment
from apps.infrastructure.admin_filters import RelatedSelectFilter
from aquamind.admin import ROWS_PER_PAGE


@admin.register(GrowthSegment)
class GrowthSegmentAdmin(admin.ModelAdmin):
    list_per_page = ROWS_PER_PAGE
    list_display = (
        "assignment",
        "start_date",
        "end_date",
        "days",
        "realised_tgc",
        "scenario_tgc",
        "performance_ratio",
        "biological_fcr",
    )
    list_filter = (("batch", RelatedSelectFilter),)
    list_select_related = ("assignment__container__site",)  # each row's label names its container and site
    readonly_fields = [f.name for f in GrowthSegment._meta.fields]
