from django.contrib import admin

from apps.infrastructure.admin_filters import RelatedSelectFilter, container_filter
from aquamind.admin import LargeTableAdmin, validated_form

from .models import EnvironmentalParameter, EnvironmentalReading
from .validation import environmental_parameter_validate, environmental_reading_validate


@admin.register(EnvironmentalParameter)
class EnvironmentalParameterAdmin(admin.ModelAdmin):
    form = validated_form(EnvironmentalParameter, environmental_parameter_validate)
    list_display = ["code", "name", "unit", "min_value", "max_value"]
    search_fields = ["code", "name"]


@admin.register(EnvironmentalReading)
class EnvironmentalReadingAdmin(LargeTableAdmin):
    form = validated_form(EnvironmentalReading, environmental_reading_validate)
    list_display = ["reading_time", "container", "parameter", "value"]
    list_filter = ["parameter", ("container__site", RelatedSelectFilter), container_filter("container"), "reading_time"]
    search_fields = ["container__name"]
    autocomplete_fields = ["container"]
    list_select_related = ["container__site", "parameter"]
