"""Admin helpers every app's admin uses: a form that shows a cross-row domain rule on its field, and a model
admin that saves through a recording service (lock, check, save), as the API does."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property


def validated_form(model, validator):
    """A model form that also applies a cross-row domain rule, so the admin shows it on the field."""

    class Form(forms.ModelForm):
        class Meta:
            fields = "__all__"  # noqa: DJ007 -- the admin edits every field of the row

        def _post_clean(self):
            super()._post_clean()
            try:
                validator(self.instance)
            except ValidationError as error:
                self._update_errors(error)

    Form.Meta.model = model
    return Form


class RecordedAdmin(admin.ModelAdmin):
    """Saves through ``record`` (a recording service: lock, check, save in one transaction), as the API does.
    The form already showed the same check's error on its field; this repeats it under the lock."""

    def record(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        self.record(obj)


#: below this many rows (the planner's estimate) a changelist counts its rows exactly
ESTIMATE_ABOVE_ROWS = 50_000


class EstimatedCountPaginator(Paginator):
    """A changelist paginator that does not count a large table: an unfiltered list of a table the planner
    estimates at more than ESTIMATE_ABOVE_ROWS rows takes that estimate (``pg_class.reltuples``, kept by
    ANALYZE and autovacuum) as its count. Counting 700,000 daily states took longer than the page; a filtered
    list (a batch, a container, a date) still counts exactly, through its index."""

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where and connection.vendor == "postgresql":
            estimate = _planner_rows(self.object_list.model._meta.db_table)
            if estimate > ESTIMATE_ABOVE_ROWS:
                return estimate
        return super().count


def _planner_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return int(row[0]) if row else -1


#: the rows of a page of the changelists of the farm's records (large tables, and wide lists with many columns):
#: not Django's 100, since rendering a row's cells is most of such a changelist's time (issue 21)
ROWS_PER_PAGE = 50


class LargeTableAdmin(admin.ModelAdmin):
    """The changelist of a table of hundreds of thousands of rows (states, events, readings): one count at most
    (no second count of the whole table beside the filtered one), estimated when unfiltered, and no date
    hierarchy (its year links scan the whole table: the date list filter reads no rows)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = ROWS_PER_PAGE
