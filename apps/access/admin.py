"""Managing scopes in the admin: geographies, grants, and the grants inline on each user (superusers only: the
roles' model permissions give no one else the access app)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from apps.access.models import Geography, SiteGrant


@admin.register(Geography)
class GeographyAdmin(admin.ModelAdmin):
    list_display = ("name", "site_names")
    filter_horizontal = ("sites",)
    search_fields = ("name",)

    @admin.display(description="sites")
    def site_names(self, obj) -> str:
        return ", ".join(site.name for site in obj.sites.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sites")


@admin.register(SiteGrant)
class SiteGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "scope_label")
    list_filter = ("role", "all_sites", "geography", "site")
    list_select_related = ("user", "site", "geography")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)


class SiteGrantInline(admin.TabularInline):
    model = SiteGrant
    extra = 0
    fields = ("role", "all_sites", "geography", "site")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(UserAdmin):
    """Django's user admin with the user's site grants below their groups."""

    inlines = [*UserAdmin.inlines, SiteGrantInline]
