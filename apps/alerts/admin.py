from django.contrib import admin

from apps.alerts.models import Alert, AlertSubscription


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("raised_at", "kind", "title", "site", "cleared_at", "acknowledged_at", "acknowledged_by")
    list_filter = (
        "kind",
        "site",
        ("cleared_at", admin.EmptyFieldListFilter),
        ("acknowledged_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("site", "acknowledged_by")
    search_fields = ("title", "key")
    date_hierarchy = "raised_at"
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "delivery", "last_digest_at")
    list_filter = ("kind", "delivery")
    list_select_related = ("user",)
