"""A container filter for the admin changelists, named as the pages name containers ("Pen 02 · Viðvík")."""

from __future__ import annotations

from django.contrib import admin

from apps.infrastructure.models import Container


def container_filter(path: str) -> type[admin.SimpleListFilter]:
    """A list filter on the container at ``path`` (``"container"``, ``"assignment__container"`` ...): one query
    for its choices, only the containers that have rows in the changelist's model."""

    class ContainerFilter(admin.SimpleListFilter):
        title = "container"
        parameter_name = path.replace("__", "_") + "_id"

        def lookups(self, request, model_admin):
            used = model_admin.model.objects.values(path).order_by().distinct()
            rows = (
                Container.objects.filter(pk__in=used)
                .order_by("site__name", "name")
                .values_list("pk", "name", "site__name")
            )
            return [(str(pk), f"{name} · {site}") for pk, name, site in rows]

        def has_output(self):  # shown even before any row names a container: the filter is where one looks
            return True

        def queryset(self, request, queryset):
            value = self.value()
            return queryset.filter(**{path: value}) if value and value.isdigit() else queryset

    ContainerFilter.__name__ = f"ContainerFilter_{path}"
    return ContainerFilter
