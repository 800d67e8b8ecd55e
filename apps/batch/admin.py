from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.infrastructure.admin_filters import RelatedSelectFilter, container_filter
from apps.inventory.models import FeedingEvent
from aquamind.admin import ROWS_PER_PAGE, LargeTableAdmin, RecordedAdmin, validated_form

from .engine import ANCHOR_GROWTH_SAMPLE, ANCHOR_TRANSFER, ANCHOR_VACCINATION
from .models import (
    ActualDailyAssignmentState,
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    GrowthSampleCast,
    LifeCycleStage,
    MortalityEvent,
    Species,
    TransferAction,
)
from .models.casts import day_figures_validate
from .sampling import casts_aggregate
from .services.casts import growth_sample_casts_sync, sample_figures_changed
from .services.feeding import feeding_event_record, feeding_event_validate
from .services.recording import (
    assignment_delete,
    batch_delete,
    growth_sample_record,
    growth_sample_record_validate,
    mortality_event_record,
    transfer_delete,
    transfer_record,
)
from .services.validation import (
    assignment_record_validate,
    mortality_event_validate,
    transfer_delete_validate,
    transfer_record_validate,
)

ANCHOR_KINDS = (ANCHOR_GROWTH_SAMPLE, ANCHOR_TRANSFER, ANCHOR_VACCINATION)
ERROR_FIELDS = (
    "last_recompute_error_code",
    "last_recompute_error",
    "last_recompute_error_at",
    "last_recompute_success_at",
)


class LifeCycleStageInline(admin.TabularInline):
    model = LifeCycleStage
    extra = 0


@admin.register(Species)
class SpeciesAdmin(admin.ModelAdmin):
    list_display = ["name", "scientific_name"]
    search_fields = ["name"]
    inlines = [LifeCycleStageInline]


@admin.register(LifeCycleStage)
class LifeCycleStageAdmin(admin.ModelAdmin):
    list_display = ["name", "species", "order", "expected_weight_min_g", "expected_weight_max_g"]
    list_filter = ["species"]
    search_fields = ["name"]
    ordering = ["species__name", "order"]


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = [
        "batch_number",
        "species",
        "status",
        "start_date",
        "pinned_scenario",
        "last_recompute_success_at",
        "last_recompute_error_code",
    ]
    list_filter = ["status", "species", "start_date"]
    search_fields = ["batch_number"]
    readonly_fields = ERROR_FIELDS
    list_select_related = ["species", "pinned_scenario"]

    def delete_model(self, request, obj):
        batch_delete(batch=obj)

    def delete_queryset(self, request, queryset):
        for batch in queryset.order_by("pk"):
            batch_delete(batch=batch)


@admin.register(BatchContainerAssignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_per_page = ROWS_PER_PAGE
    form = validated_form(BatchContainerAssignment, assignment_record_validate)
    list_display = [
        "id",
        "batch",
        "container",
        "lifecycle_stage",
        "assignment_date",
        "departure_date",
        "placement_count",
        "last_recompute_error_code",
    ]
    list_filter = [
        ("batch", RelatedSelectFilter),
        ("container__site", RelatedSelectFilter),
        container_filter("container"),
        "lifecycle_stage",
        "assignment_date",
    ]
    search_fields = ["batch__batch_number", "container__name"]
    readonly_fields = ERROR_FIELDS
    autocomplete_fields = ["batch", "container"]
    list_select_related = ["batch", "container__site", "lifecycle_stage"]
    ordering = ["batch__batch_number", "assignment_date", "id"]

    def get_queryset(self, request):
        """The labels (and the autocomplete's) name the container and site. Everything the list shows is selected
        here: the changelist applies ``list_select_related`` only to a queryset that selects nothing yet, so
        selecting the container alone here made two queries per row (the batch and the stage: issue 21)."""
        return super().get_queryset(request).select_related(*self.list_select_related)

    def delete_model(self, request, obj):
        assignment_delete(assignment=obj)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.order_by("batch_id", "pk"):
            assignment_delete(assignment=assignment)


class CastForm(forms.ModelForm):
    """A cast edited in the admin: new figures replace individual weights that no longer give them."""

    class Meta:
        model = GrowthSampleCast
        fields = ["fish_weighed", "avg_weight_g", "std_dev_weight_g", "notes"]

    def save(self, commit=True):
        if self.instance.weights_g and set(self.changed_data) & {"fish_weighed", "avg_weight_g", "std_dev_weight_g"}:
            self.instance.weights_g = None
        return super().save(commit)


class CastFormSet(forms.BaseInlineFormSet):
    """The day's casts as they will be: their aggregate must fit a sample (the same rule as the API)."""

    def clean(self):
        super().clean()
        kept = [
            GrowthSampleCast(**{k: v for k, v in form.cleaned_data.items() if k in CastForm.Meta.fields})
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not kept and any(form.cleaned_data.get("DELETE") for form in self.forms if form.cleaned_data):
            raise forms.ValidationError("A sampling day keeps at least one cast; delete the growth sample instead.")
        if kept:
            try:
                day_figures_validate(casts_aggregate(kept))
            except ValidationError as error:
                raise forms.ValidationError(sum(error.message_dict.values(), [])) from None


class GrowthSampleCastInline(admin.TabularInline):
    """The casts of the day; the sample's figures are their aggregate, recomputed when they are saved."""

    model = GrowthSampleCast
    form = CastForm
    formset = CastFormSet
    extra = 0
    readonly_fields = ["weights_g", "created_at"]


@admin.register(GrowthSample)
class GrowthSampleAdmin(RecordedAdmin, LargeTableAdmin):
    """A new sample with casts takes its figures from them; without, it is its own first cast. A sample of
    several casts changes through its casts (the form refuses its figures, naming them)."""

    form = validated_form(GrowthSample, growth_sample_record_validate)
    inlines = [GrowthSampleCastInline]
    list_display = ["sample_date", "assignment", "sample_size", "avg_weight_g", "std_dev_weight_g"]
    list_filter = [
        ("assignment__batch", RelatedSelectFilter),
        ("assignment__container__site", RelatedSelectFilter),
        container_filter("assignment__container"),
        "sample_date",
    ]
    search_fields = ["assignment__batch__batch_number", "assignment__container__name"]
    autocomplete_fields = ["assignment"]
    list_select_related = ["assignment__container__site"]

    def record(self, obj):
        growth_sample_record(sample=obj, casts_follow=False)

    def save_model(self, request, obj, form, change):
        obj._figures_changed = sample_figures_changed(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """The inline's casts first (each refreshes the sample), then the sample's own figures follow or
        become its one cast."""
        sample = form.instance
        cast_forms = [f for fs in formsets if fs.model is GrowthSampleCast for f in fs.forms if f.has_changed()]
        super().save_related(request, form, formsets, change)
        if GrowthSample.objects.filter(pk=sample.pk).exists():
            growth_sample_casts_sync(
                sample=sample, figures_changed=change and not cast_forms and sample._figures_changed
            )


@admin.register(TransferAction)
class TransferActionAdmin(RecordedAdmin):
    list_per_page = ROWS_PER_PAGE
    form = validated_form(TransferAction, transfer_record_validate)
    list_display = [
        "actual_execution_date",
        "source_assignment",
        "dest_assignment",
        "status",
        "transferred_count",
        "measured_avg_weight_g",
        "selection_method",
    ]
    list_filter = [
        "status", "selection_method", ("source_assignment__batch", RelatedSelectFilter),
        container_filter("source_assignment__container"),
        container_filter("dest_assignment__container"), "actual_execution_date",
    ]  # fmt: skip
    search_fields = [
        "source_assignment__batch__batch_number",
        "source_assignment__container__name",
        "dest_assignment__container__name",
    ]
    autocomplete_fields = ["source_assignment", "dest_assignment"]
    list_select_related = ["source_assignment__container__site", "dest_assignment__container__site"]

    def record(self, obj):
        transfer_record(transfer=obj)

    def has_delete_permission(self, request, obj=None):
        """No delete button for a completed transfer whose fish its destination's later records need."""
        if obj is not None:
            try:
                transfer_delete_validate(obj)
            except ValidationError:
                return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        transfer_delete(transfer=obj)

    def delete_queryset(self, request, queryset):
        kept = []
        for transfer in queryset:
            try:
                transfer_delete(transfer=transfer)
            except ValidationError:
                kept.append(str(transfer.pk))
        if kept:
            self.message_user(
                request,
                f"Kept transfers {', '.join(kept)}: their destinations' later records need their fish.",
                level="error",
            )


@admin.register(MortalityEvent)
class MortalityEventAdmin(RecordedAdmin, LargeTableAdmin):
    form = validated_form(MortalityEvent, mortality_event_validate)
    list_display = ["event_date", "assignment", "count", "cause"]
    list_filter = [
        "cause",
        ("assignment__batch", RelatedSelectFilter),
        ("assignment__container__site", RelatedSelectFilter),
        container_filter("assignment__container"),
        "event_date",
    ]
    search_fields = ["assignment__batch__batch_number", "assignment__container__name"]
    autocomplete_fields = ["assignment"]
    list_select_related = ["assignment__container__site"]

    def record(self, obj):
        mortality_event_record(event=obj)


class AnchorFilter(admin.SimpleListFilter):
    """The anchor kinds the engine writes, listed from the engine: the default filter read the distinct values
    of 700,000 daily states on every changelist (0.6 s, issue 21)."""

    title = "anchor type"
    parameter_name = "anchor_type"

    def lookups(self, request, model_admin):
        return [(kind, kind.replace("_", " ")) for kind in ANCHOR_KINDS] + [("none", "no anchor")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(anchor_type__isnull=True)
        return queryset.filter(anchor_type=value) if value in ANCHOR_KINDS else queryset


@admin.register(ActualDailyAssignmentState)
class ActualDailyAssignmentStateAdmin(LargeTableAdmin):
    list_display = [
        "date",
        "assignment",
        "day_number",
        "lifecycle_stage",
        "avg_weight_g",
        "population",
        "biomass_kg",
        "temp_c",
        "observed_fcr",
        "anchor_type",
        "last_computed_at",
    ]
    # the container through the assignment: the state table has no index on its container (docs/benchmarks.md)
    list_filter = [("batch", RelatedSelectFilter), container_filter("assignment__container"), AnchorFilter, "date"]
    search_fields = ["batch__batch_number", "container__name"]
    list_select_related = ["assignment__container__site", "lifecycle_stage"]
    ordering = ["assignment_id", "date"]

    def has_add_permission(self, request):  # computed rows: the engine writes them
        return False


@admin.register(FeedingEvent)
class FeedingEventAdmin(RecordedAdmin, LargeTableAdmin):
    form = validated_form(FeedingEvent, feeding_event_validate)
    list_display = ["feeding_date", "assignment", "amount_kg", "feed"]
    list_filter = [
        ("assignment__batch", RelatedSelectFilter),
        ("assignment__container__site", RelatedSelectFilter),
        container_filter("assignment__container"),
        "feeding_date",
    ]
    search_fields = ["assignment__batch__batch_number", "assignment__container__name"]
    autocomplete_fields = ["assignment"]
    list_select_related = ["assignment__container__site", "feed"]

    def record(self, obj):
        feeding_event_record(event=obj)
