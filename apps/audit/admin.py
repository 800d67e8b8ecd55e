"""The history in the admin (docs/history.md): every tracked record's "History" button shows its versions from
the triggers' rows (who, when, through what, old and new values) instead of Django's own log, which misses
every write outside the admin; the events' lists gain "entered by" and "last changed by" columns.

The domain apps' admins cannot import this app (it sits above them), so it wraps them here: each tracked
model's registered admin is re-registered with a subclass adding the history. This module is imported after
theirs (``apps.audit`` follows them in ``INSTALLED_APPS``)."""

from __future__ import annotations

from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from apps.audit.history import EVENTS, history_recorded, kind_of, record_history, with_authors
from apps.audit.models import MarkCause, StateMove

#: the events whose admin lists show their authors
AUTHORED = (
    "batch.growthsample",
    "batch.transferaction",
    "batch.mortalityevent",
    "health.treatment",
    "inventory.feedingevent",
    "environmental.environmentalreading",
)


class HistoryAdminMixin:
    """``history_view`` from the triggers' rows; for events, the authors as list columns (subqueries)."""

    def history_view(self, request, object_id, extra_context=None):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, obj):
            return super().history_view(request, object_id, extra_context)
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.model._meta,
            "entries": record_history(kind_of(self.model), obj.pk),
            "recorded": history_recorded(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "audit/admin_history.html", context)


class AuthoredAdminMixin(HistoryAdminMixin):
    def get_queryset(self, request):
        return with_authors(super().get_queryset(request))

    def get_list_display(self, request):
        return [*super().get_list_display(request), "entered_by", "last_changed_by"]

    @admin.display(description="entered by", ordering="entered_by")
    def entered_by(self, obj):
        return obj.entered_by or "—"

    @admin.display(description="last changed by", ordering="last_changed_by")
    def last_changed_by(self, obj):
        return obj.last_changed_by or "—"


def _with_history(site: admin.AdminSite) -> None:
    for kind, event_model in EVENTS.items():
        model = event_model.pgh_tracked_model
        registered = site._registry.get(model)
        if registered is None or isinstance(registered, HistoryAdminMixin):
            continue
        mixin = AuthoredAdminMixin if kind in AUTHORED else HistoryAdminMixin
        subclass = type(type(registered).__name__, (mixin, type(registered)), {"__module__": __name__})
        site.unregister(model)
        site.register(model, subclass)


_with_history(admin.site)


@admin.register(MarkCause)
class MarkCauseAdmin(admin.ModelAdmin):
    """The marks behind each recompute run (read only): which transaction, who, from which day."""

    list_display = ["marked_at", "assignment_id", "batch_id", "from_day", "xid", "run"]
    list_filter = ["marked_at"]
    search_fields = ["batch_id", "assignment_id"]
    raw_id_fields = ["run"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StateMove)
class StateMoveAdmin(admin.ModelAdmin):
    """The days each recompute run moved (read only)."""

    list_display = ["run", "assignment_id", "first_day", "last_day"]
    search_fields = ["assignment_id"]
    raw_id_fields = ["run"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
