"""A container filter for the admin changelists, named as the pages name containers ("Pen 02 · Viðvík"), and the
filters of many choices (containers, batches, sites) as drop-downs."""

from __future__ import annotations

from html import escape

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR
from django.db.models import Exists, OuterRef
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from apps.infrastructure.models import Container


def container_filter(path: str) -> type[admin.SimpleListFilter]:
    """A list filter on the container at ``path`` (``"container"``, ``"assignment__container"`` ...): one query
    for its choices, only the containers that have rows in the changelist's model."""

    class ContainerFilter(admin.SimpleListFilter):
        title = "container"
        template = SELECT_FILTER_TEMPLATE
        parameter_name = path.replace("__", "_") + "_id"

        def lookups(self, request, model_admin):
            # EXISTS per container (an index probe each) rather than DISTINCT over the model's rows: the
            # distinct container ids of 700,000 daily states cost a full scan on every changelist (issue 21)
            used = _rows_in(model_admin.model, path)
            rows = (
                Container.objects.filter(Exists(used))
                .order_by("site__name", "name")
                .values_list("pk", "name", "site__name")
            )
            return [(str(pk), f"{name} · {site}") for pk, name, site in rows]

        def has_output(self):  # shown even before any row names a container: the filter is where one looks
            return True

        def choices(self, changelist):
            yield select_choice(changelist, self.parameter_name, self.value(), self.lookup_choices)

        def queryset(self, request, queryset):
            value = self.value()
            return queryset.filter(**{path: value}) if value and value.isdigit() else queryset

    ContainerFilter.__name__ = f"ContainerFilter_{path}"
    return ContainerFilter


SELECT_FILTER_TEMPLATE = "admin/select_filter.html"


def select_choice(changelist, parameter: str, selected: str | None, lookups, *, drop: tuple[str, ...] = ()) -> dict:
    """The one "choice" of a filter rendered as a drop-down (``SELECT_FILTER_TEMPLATE``): its options built in one
    join, and the changelist's other parameters as hidden fields, so that choosing keeps them (as the links
    do). Django's list of links builds a query string and renders a template item per choice: the 1,766
    containers of a national farm cost 25–45 ms of CPU per changelist, the most on the transfers' two (issue 21)."""
    # escaped as format_html would (html.escape is what Django's escape does, without its lazy-string wrapper:
    # a tenth of the cost per option)
    options = mark_safe(
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if str(value) == selected else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in lookups
        )
    )
    ignored = {parameter, PAGE_VAR, ERROR_FLAG, *drop}
    kept = [(k, v) for k, v in changelist.params.items() if k not in ignored]
    hidden = format_html_join("", '<input type="hidden" name="{}" value="{}">', kept)
    return {"parameter": parameter, "options": options, "hidden": hidden, "selected": bool(selected)}


class RelatedSelectFilter(admin.RelatedFieldListFilter):
    """Django's filter on a foreign key (``("batch", RelatedSelectFilter)`` in ``list_filter``) as a drop-down:
    for the hundreds of batches of a national farm."""

    template = SELECT_FILTER_TEMPLATE

    def __init__(self, field, request, params, model, model_admin, field_path):
        # the drop-down's "All" submits the parameter empty: no filter, not the lookup error of `id = ''`
        chosen = f"{field_path}__{field.target_field.name}__exact"
        if params.get(chosen) in ("", [""]):
            params.pop(chosen)
        super().__init__(field, request, params, model, model_admin, field_path)

    def choices(self, changelist):
        selected = self.lookup_val[-1] if self.lookup_val else None
        yield select_choice(
            changelist, self.lookup_kwarg, selected, self.lookup_choices, drop=(self.lookup_kwarg_isnull,)
        )


def _rows_in(model, path: str):
    """A subquery that has a row when ``model`` has one whose ``path`` is the outer container. Through an
    assignment (``assignment__container``) it is nested: the container's assignments (their container index),
    then one row of ``model`` for any of them (its assignment index); a join of the whole table with the
    assignments made the planner scan 700,000 daily states (issue 21)."""
    head, _, rest = path.partition("__")
    if rest == "container" and head == "assignment":
        from django.apps import apps

        assignment = apps.get_model("batch", "BatchContainerAssignment")
        rows = model.objects.filter(assignment_id=OuterRef("pk"))
        return assignment.objects.filter(container_id=OuterRef("pk")).filter(Exists(rows))
    return model.objects.filter(**{path: OuterRef("pk")})
