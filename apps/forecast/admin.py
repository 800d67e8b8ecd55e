from django.contrib import admin

from apps.forecast.models import GrowthSegment, Projection


@admin.register(GrowthSegment)
class GrowthSegmentAdmin(admin.ModelAdmin):
    list_display = ("assignment", "start_date", "end_date", "days", "realised_tgc", "scenario_tgc", "performance_ratio", "biological_fcr")
    list_filter = ("batch",)
    readonly_fields = [f.name for f in GrowthSegment._meta.fields]


@admin.register(Projection)
class ProjectionAdmin(admin.ModelAdmin):
    list_display = ("batch", "assignment", "as_of_date", "days", "performance_ratio", "harvest_date", "harvest_date_p10", "harvest_date_p90")
    list_filter = ("batch",)
    exclude = ("series",)
    readonly_fields = [f.name for f in Projection._meta.fields if f.name != "series"]
