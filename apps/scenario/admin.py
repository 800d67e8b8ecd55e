from django.contrib import admin

from . import models as m


class TemperatureProfileDayInline(admin.TabularInline):
    model = m.TemperatureProfileDay
    extra = 1


@admin.register(m.TemperatureProfile)
class TemperatureProfileAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    inlines = [TemperatureProfileDayInline]


class TGCStageOverrideInline(admin.TabularInline):
    model = m.TGCStageOverride
    extra = 0


@admin.register(m.TGCModel)
class TGCModelAdmin(admin.ModelAdmin):
    list_display = ["name", "tgc_value", "profile"]
    search_fields = ["name"]
    inlines = [TGCStageOverrideInline]


class MortalityStageOverrideInline(admin.TabularInline):
    model = m.MortalityStageOverride
    extra = 0


@admin.register(m.MortalityModel)
class MortalityModelAdmin(admin.ModelAdmin):
    list_display = ["name", "frequency", "rate_percent"]
    list_filter = ["frequency"]
    search_fields = ["name"]
    inlines = [MortalityStageOverrideInline]


class FCRModelStageInline(admin.TabularInline):
    model = m.FCRModelStage
    extra = 0


@admin.register(m.FCRModel)
class FCRModelAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    inlines = [FCRModelStageInline]


@admin.register(m.Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "batch", "start_date", "duration_days", "initial_count", "initial_weight_g", "tgc_model"]
    list_filter = ["batch", "start_date"]
    search_fields = ["name", "batch__batch_number"]
    autocomplete_fields = ["batch"]
    list_select_related = ["batch", "tgc_model"]
