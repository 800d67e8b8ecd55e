from django.contrib import admin

from apps.batch.admin import validated_form
from apps.infrastructure.admin_filters import container_filter
from apps.planning import selectors
from apps.planning.models import ActivityTemplate, PlannedActivity
from apps.planning.validation import planned_activity_validate


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
    list_display = ["due_date", "activity_type", "batch", "assignment", "container", "status", "overdue", "completed_date", "variance"]
    list_filter = ["status", "activity_type", "batch", container_filter("container"), OverdueFilter, "template", "due_date"]
    search_fields = ["batch__batch_number", "assignment__container__name", "container__name", "notes"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["batch", "assignment", "container"]
    list_select_related = ["batch", "assignment__container__site", "container__site"]
    readonly_fields = [
        "completed_date", "template", "follows_projection", "transfer", "growth_sample", "treatment", "created_by",
        "completed_by", "created_at", "updated_at",
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
    list_display = ["name", "activity_type", "trigger", "weight_g", "to_stage", "lead_days", "is_active", "species", "stage"]
    list_filter = ["is_active", "activity_type", "trigger", "species"]
    search_fields = ["name"]
    list_select_related = ["to_stage", "species", "stage"]
