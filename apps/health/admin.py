from django.contrib import admin

from apps.infrastructure.admin_filters import RelatedSelectFilter, container_filter
from aquamind.admin import ROWS_PER_PAGE

from .models import Treatment


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_per_page = ROWS_PER_PAGE
    list_display = ["treatment_date", "treatment_type", "assignment", "includes_weighing", "weighed_avg_weight_g"]
    list_filter = [
        "treatment_type",
        "includes_weighing",
        ("assignment__batch", RelatedSelectFilter),
        container_filter("assignment__container"),
        "treatment_date",
    ]
    search_fields = ["assignment__batch__batch_number", "assignment__container__name", "description"]
    date_hierarchy = "treatment_date"
    autocomplete_fields = ["assignment"]
    list_select_related = ["assignment__container__site"]
