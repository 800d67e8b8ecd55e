"""List filters (docs/api.md, the filters column of "Endpoints"). Ids filter by exact match (an unknown id gives an empty page);
``date_from``/``date_to`` bound a resource's date inclusively.

Every value is parsed strictly, as the schema states it, and a malformed one is a 400 naming the parameter:
ids are digits (1 … 2**63−1), booleans ``true``/``false``, dates ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

import django_filters as df
from django import forms
from django.db import models
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.api import formats
from apps.batch.models import (
    ActualDailyAssignmentState,
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    GrowthSampleCast,
    LifeCycleStage,
    MortalityEvent,
    TransferAction,
)
from apps.environmental.models import EnvironmentalReading
from apps.health.models import Treatment
from apps.infrastructure.models import Container, Site
from apps.inventory.models import FeedingEvent
from apps.planning.models import ActivityTemplate, PlannedActivity
from apps.planning.selectors import overdue_q
from apps.scenario.models import Scenario, TemperatureProfileDay, TGCModel

MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """Digits only: ``1.0``, ``+1`` and `` 1`` are refused (Django's IntegerField would take them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not formats.is_integer_text(str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(df.Filter):
    field_class = IdField


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (any case); anything else is an error, not "no filter"."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).lower()
        if text not in {"true", "false"}:
            raise forms.ValidationError("%(value)r is neither true nor false.", code="invalid", params={"value": value})
        return text == "true"


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(df.BooleanFilter):
    field_class = StrictBooleanField


class IsoDateField(forms.DateField):
    """An ISO date, ``YYYY-MM-DD`` only (not ``2024-1-5`` nor ``01/05/2024``)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        day = formats.date_from_text(str(value))
        if day is None:
            raise forms.ValidationError(
                "%(value)r is not a date (YYYY-MM-DD).", code="invalid", params={"value": value}
            )
        return day


@extend_schema_field(OpenApiTypes.DATE)
class DateFilter(df.DateFilter):
    field_class = IsoDateField


class FilterSet(df.FilterSet):
    """The base of every filter set here: model booleans and dates get the strict filters above, and an
    empty value (``?date_to=``) is an error rather than no filter, except for free-text filters."""

    FILTER_DEFAULTS = {
        **df.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
        models.DateField: {"filter_class": DateFilter},
    }

    def is_valid(self):
        valid = super().is_valid()
        empty = [name for name, f in self.filters.items() if type(f) is not df.CharFilter and self.data.get(name) == ""]
        for name in empty:
            self.form.add_error(
                name, forms.ValidationError("An empty value; leave the parameter out instead.", code="blank")
            )
        return valid and not empty


def date_range(field: str) -> dict:
    return {
        "date_from": DateFilter(field_name=field, lookup_expr="gte", label=f"{field} on or after"),
        "date_to": DateFilter(field_name=field, lookup_expr="lte", label=f"{field} on or before"),
    }


def filterset(model, *, ids: dict[str, str], date_field: str | None = None, fields=(), **extra) -> type[df.FilterSet]:
    """A FilterSet with id filters (query name → lookup path), a date range and plain exact fields."""
    attrs = {name: IdFilter(field_name=path) for name, path in ids.items()}
    if date_field:
        attrs.update(date_range(date_field))
    attrs.update(extra)
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}Filter", (FilterSet,), attrs)


EVENT_IDS = {
    "batch": "assignment__batch_id",
    "assignment": "assignment_id",
    "container": "assignment__container_id",
    "site": "assignment__container__site_id",
}


class AssignmentFilter(FilterSet):
    """``date_from``/``date_to``: assignments with days in the range (they overlap it)."""

    batch = IdFilter(field_name="batch_id")
    container = IdFilter(field_name="container_id")
    site = IdFilter(field_name="container__site_id")
    lifecycle_stage = IdFilter(field_name="lifecycle_stage_id")
    date_from = DateFilter(method="days_from", label="has days on or after")
    date_to = DateFilter(field_name="assignment_date", lookup_expr="lte", label="starts on or before")
    active = BooleanFilter(field_name="departure_date", lookup_expr="isnull", label="not departed")

    class Meta:
        model = BatchContainerAssignment
        fields = []

    def days_from(self, queryset, name, value):
        return queryset.filter(Q(departure_date__isnull=True) | Q(departure_date__gt=value))


class TransferFilter(FilterSet):
    """``assignment``, ``container`` and ``site`` match the source or the destination."""

    batch = IdFilter(field_name="source_assignment__batch_id")
    assignment = IdFilter(method="either_assignment")
    container = IdFilter(method="either_container")
    site = IdFilter(method="either_site")
    date_from = DateFilter(field_name="actual_execution_date", lookup_expr="gte")
    date_to = DateFilter(field_name="actual_execution_date", lookup_expr="lte")

    class Meta:
        model = TransferAction
        fields = ["status"]

    def either_assignment(self, queryset, name, value):
        return queryset.filter(Q(source_assignment_id=value) | Q(dest_assignment_id=value))

    def either_container(self, queryset, name, value):
        return queryset.filter(Q(source_assignment__container_id=value) | Q(dest_assignment__container_id=value))

    def either_site(self, queryset, name, value):
        return queryset.filter(
            Q(source_assignment__container__site_id=value) | Q(dest_assignment__container__site_id=value)
        )


class ReadingFilter(FilterSet):
    """``batch``: readings of the containers the batch occupied, taken while it was there."""

    container = IdFilter(field_name="container_id")
    site = IdFilter(field_name="container__site_id")
    parameter = IdFilter(field_name="parameter_id")
    parameter_code = df.CharFilter(field_name="parameter__code", lookup_expr="iexact")
    batch = IdFilter(method="of_batch")
    date_from = DateFilter(field_name="reading_time__date", lookup_expr="gte")
    date_to = DateFilter(field_name="reading_time__date", lookup_expr="lte")

    class Meta:
        model = EnvironmentalReading
        fields = []

    def of_batch(self, queryset, name, value):
        stays = BatchContainerAssignment.objects.filter(
            batch_id=value, container_id=OuterRef("container_id"), assignment_date__lte=OuterRef("reading_time__date")
        ).filter(Q(departure_date__isnull=True) | Q(departure_date__gt=OuterRef("reading_time__date")))
        return queryset.filter(Exists(stays))


class BatchFilter(FilterSet):
    species = IdFilter(field_name="species_id")
    container = IdFilter(method="in_container", label="ever assigned to this container")
    site = IdFilter(method="at_site", label="ever assigned to a container of this site")
    batch_number = df.CharFilter(lookup_expr="icontains")
    date_from = DateFilter(field_name="start_date", lookup_expr="gte")
    date_to = DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = Batch
        fields = ["status"]

    def in_container(self, queryset, name, value):
        return queryset.filter(
            Exists(BatchContainerAssignment.objects.filter(batch_id=OuterRef("pk"), container_id=value))
        )

    def at_site(self, queryset, name, value):
        return queryset.filter(
            Exists(BatchContainerAssignment.objects.filter(batch_id=OuterRef("pk"), container__site_id=value))
        )


ContainerFilter = filterset(Container, ids={"site": "site_id"}, fields=["kind"])
DailyStateFilter = filterset(
    ActualDailyAssignmentState,
    ids={"batch": "batch_id", "assignment": "assignment_id", "container": "container_id", "site": "container__site_id"},
    date_field="date",
    fields=["anchor_type"],
)
SiteFilter = filterset(Site, ids={}, fields=["kind"])
StageFilter = filterset(LifeCycleStage, ids={"species": "species_id"})
GrowthSampleFilter = filterset(GrowthSample, ids=EVENT_IDS, date_field="sample_date")
GrowthSampleCastFilter = filterset(
    GrowthSampleCast,
    ids={"sample": "sample_id", **{name: f"sample__{path}" for name, path in EVENT_IDS.items()}},
    date_field="sample__sample_date",
)
MortalityEventFilter = filterset(MortalityEvent, ids=EVENT_IDS, date_field="event_date", fields=["cause"])
TreatmentFilter = filterset(
    Treatment, ids=EVENT_IDS, date_field="treatment_date", fields=["treatment_type", "includes_weighing"]
)
FeedingEventFilter = filterset(FeedingEvent, ids={**EVENT_IDS, "feed": "feed_id"}, date_field="feeding_date")
ScenarioFilter = filterset(
    Scenario,
    ids={
        "batch": "batch_id",
        "tgc_model": "tgc_model_id",
        "mortality_model": "mortality_model_id",
        "fcr_model": "fcr_model_id",
    },
    date_field="start_date",
)
TGCModelFilter = filterset(TGCModel, ids={"profile": "profile_id"})
ProfileDayFilter = filterset(TemperatureProfileDay, ids={"profile": "profile_id"})


class PlannedActivityFilter(FilterSet):
    """``container``: the activity's container or its assignment's; ``date_from``/``date_to``: the due date;
    ``overdue``: open and due before today (``false``: the others)."""

    batch = IdFilter(field_name="batch_id")
    assignment = IdFilter(field_name="assignment_id")
    container = IdFilter(method="in_container")
    template = IdFilter(field_name="template_id")
    date_from = DateFilter(field_name="due_date", lookup_expr="gte", label="due on or after")
    date_to = DateFilter(field_name="due_date", lookup_expr="lte", label="due on or before")
    overdue = BooleanFilter(method="is_overdue", label="open and due before today")

    class Meta:
        model = PlannedActivity
        fields = ["status", "activity_type"]

    def in_container(self, queryset, name, value):
        return queryset.filter(Q(container_id=value) | Q(assignment__container_id=value))

    def is_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())


ActivityTemplateFilter = filterset(
    ActivityTemplate,
    ids={"species": "species_id", "stage": "stage_id"},
    fields=["activity_type", "trigger", "is_active"],
)
