from django.contrib import admin

from .models import EnvironmentalParameter, EnvironmentalReading


@admin.register(EnvironmentalParameter)
class EnvironmentalParameterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit"]
    search_fields = ["code", "name"]


@admin.register(EnvironmentalReading)
class EnvironmentalReadingAdmin(admin.ModelAdmin):
    list_display = ["reading_time", "container", "parameter", "value"]
    list_filter = ["parameter", "container__site", "reading_time"]
    search_fields = ["container__name"]
    date_hierarchy = "reading_time"
    autocomplete_fields = ["container"]
    list_select_related = ["container__site", "parameter"]
