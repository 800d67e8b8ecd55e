"""The operator's view of the recompute work: markers (with un-park), runs, failures (with replay), verifications
and worker heartbeats. The models keep their tables in the batch app, so their admin URLs stay /admin/batch/…"""

from django.contrib import admin

from apps.batch.models import FailedRecompute, RecomputeMarker, RecomputeRun, VerificationRun, WorkerHeartbeat


@admin.register(RecomputeMarker)
class RecomputeMarkerAdmin(admin.ModelAdmin):
    list_select_related = ["assignment__container__site", "batch"]
    list_display = [
        "assignment",
        "batch",
        "dirty_from",
        "generation",
        "attempts",
        "parked_at",
        "last_error",
        "created_at",
        "updated_at",
    ]
    list_filter = [("parked_at", admin.EmptyFieldListFilter), "batch"]
    actions = ["unpark"]

    @admin.action(description="Replay parked work: un-park the selected markers' batches with fresh attempts")
    def unpark(self, request, queryset):
        from apps.recompute.drain import markers_unpark
        from apps.recompute.markers import recompute_mark_many

        batches = sorted(set(queryset.values_list("batch_id", flat=True)))
        unparked = sum(markers_unpark(batch_id=batch_id) for batch_id in batches)
        recompute_mark_many(marks=list(queryset.values_list("assignment_id", "dirty_from")))  # publishes again
        self.message_user(request, f"Un-parked {unparked} markers of {len(batches)} batches.")


@admin.register(VerificationRun)
class VerificationRunAdmin(admin.ModelAdmin):
    """The verifier's runs: how many stored rows differed from a full recompute, and which were repaired."""

    list_display = [
        "started_at",
        "trigger",
        "batches_checked",
        "rows_checked",
        "rows_differing",
        "batches_differing",
        "rows_repaired",
        "batches_skipped",
        "duration_ms",
    ]
    list_filter = ["trigger", "repair"]
    readonly_fields = [f.name for f in VerificationRun._meta.fields]

    def has_add_permission(self, request):  # written by the verifier
        return False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "batch", "trigger", "assignments", "rows_written", "duration_ms", "ok", "error_code"]
    list_filter = ["ok", "trigger", "error_code"]


@admin.register(FailedRecompute)
class FailedRecomputeAdmin(admin.ModelAdmin):
    list_select_related = ["assignment__container__site", "batch"]
    list_display = [
        "failed_at",
        "batch",
        "assignment",
        "start_date",
        "error_code",
        "error",
        "replayed_at",
        "resolved_at",
    ]
    list_filter = [
        "error_code",
        ("replayed_at", admin.EmptyFieldListFilter),
        ("resolved_at", admin.EmptyFieldListFilter),
    ]
    actions = ["replay"]

    @admin.action(description="Replay: mark the selected work for recompute again")
    def replay(self, request, queryset):
        from apps.recompute.drain import failed_recompute_replay

        marked = sum(failed_recompute_replay(failed=failed) for failed in queryset)
        self.message_user(request, f"Marked {marked} assignments for recompute.")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "seen_at"]
