from django.contrib import admin

from .models import Container, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Container)
class ContainerAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "kind", "volume_m3"]
    list_filter = ["kind", "site"]
    search_fields = ["name", "site__name"]
    list_select_related = ["site"]
