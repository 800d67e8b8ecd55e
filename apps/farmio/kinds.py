"""The file formats: one kind of file per kind of record, its columns (units in the names), its natural key, how
a row becomes a record's values and how a record becomes a row (docs/import-export.md lists them all).

A kind names its records by natural keys, never by database ids: a site by its name, a container by its site
and name, a batch by its number, an assignment by its batch, container and first day, an event by its batch,
container and date (the assignment holding the batch in that container that day). ``KINDS`` is in dependency
order: a folder is read in that order, whatever the files' order, so a row may name a record made by an earlier
file of the same import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.batch.models import (
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    GrowthSampleCast,
    LifeCycleStage,
    MortalityEvent,
    Species,
    TransferAction,
)
from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.health.models import Treatment
from apps.infrastructure.models import Container, Site
from apps.inventory.models import Feed, FeedingEvent
from apps.planning.models import PlannedActivity
from apps.scenario.models import (
    FCRModel,
    FCRModelStage,
    MortalityModel,
    MortalityStageOverride,
    Scenario,
    TemperatureProfile,
    TemperatureProfileDay,
    TGCModel,
    TGCStageOverride,
)

EXTERNAL_ID = "external_id"


@dataclass(frozen=True)
class Column:
    """A column of a kind's file. ``field``: the model field whose parsing and validators check the cell (None:
    a name that refers to another record, resolved by the kind)."""

    name: str
    meaning: str
    example: str
    required: bool = False
    field: str | None = None
    model: type | None = None  # the field's model when not the kind's (a cast row's day): kept as ``__<field>``


@dataclass(frozen=True)
class Kind:
    """``fields``: the model attnames an import writes (foreign keys as ``…_id``, holding the referred record's
    ``Ref`` until written); ``refs``: which of them refer to which kind; ``key``: the attnames of the natural key
    (empty: an event, matched by an external id or by being identical); ``day``: the event's date attname."""

    name: str
    model: type
    columns: tuple[Column, ...]
    fields: tuple[str, ...]
    refs: dict[str, str] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    day: str | None = None
    export_values: tuple[str, ...] = ()  # the ``values_list`` paths, in column order after the external id
    file: bool = True  # False: made by the import from other rows (a day's growth sample from its casts)
    repeats: bool = False  # True: a row repeated exactly is a second record (two casts with the same figures)

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def header(self) -> list[str]:
        return [EXTERNAL_ID, *(c.name for c in self.columns)]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def C(name, meaning, example, required=False, field=None, model=None) -> Column:  # noqa: N802 - a table reads better
    return Column(name=name, meaning=meaning, example=example, required=required, field=field, model=model)


BATCH = C("batch_number", "The batch's number.", "AS25-S1-001", True)
SITE = C("site", "The site's name.", "Viðvík", True)
CONTAINER = C("container", "The container's name within the site.", "Pen 02", True)
NOTES = C("notes", "Free text.", "", field="notes")


def _event_columns(date_name: str, date_meaning: str, example: str) -> tuple[Column, ...]:
    return (BATCH, SITE, CONTAINER, C(date_name, date_meaning, example, True, date_name))


def _stage_values(name: str, model: type, parent: tuple[str, str, str, str], value: Column) -> Kind:
    """A scenario model's value for one life-cycle stage (TGC, mortality, FCR): the model by its name, the stage
    by its species and name, and the value. ``parent``: (the model's word, an example name, its kind, an example
    stage)."""
    word, example, kind, stage = parent
    return Kind(
        name,
        model,
        (
            C("model", f"The {word} model's name.", example, True),
            C("species", "The stage's species.", "Atlantic salmon", True),
            C("stage", "The stage's name.", stage, True),
            value,
        ),
        fields=("model_id", "lifecycle_stage_id", value.field),
        refs={"model_id": kind, "lifecycle_stage_id": "lifecycle_stages"},
        key=("model_id", "lifecycle_stage_id"),
        export_values=("model__name", "lifecycle_stage__species__name", "lifecycle_stage__name", value.field),
    )


KINDS: tuple[Kind, ...] = (
    Kind(
        "sites",
        Site,
        (
            C("name", "The site's name (unique).", "Viðvík", True, "name"),
            C("kind", "FRESHWATER or SEA: the water of its containers.", "SEA", True, "kind"),
        ),
        fields=("name", "kind"),
        key=("name",),
        export_values=("name", "kind"),
    ),
    Kind(
        "containers",
        Container,
        (
            SITE,
            C("name", "The container's name (unique within its site).", "Pen 02", True, "name"),
            C("kind", "TRAY, TANK or PEN.", "PEN", True, "kind"),
            C("volume_m3", "Volume in cubic metres (empty: unknown).", "40000.00", False, "volume_m3"),
        ),
        fields=("site_id", "name", "kind", "volume_m3"),
        refs={"site_id": "sites"},
        key=("site_id", "name"),
        export_values=("site__name", "name", "kind", "volume_m3"),
    ),
    Kind(
        "species",
        Species,
        (
            C("name", "The species' name (unique).", "Atlantic salmon", True, "name"),
            C("scientific_name", "Its scientific name.", "Salmo salar", False, "scientific_name"),
        ),
        fields=("name", "scientific_name"),
        key=("name",),
        export_values=("name", "scientific_name"),
    ),
    Kind(
        "lifecycle_stages",
        LifeCycleStage,
        (
            C("species", "The species' name.", "Atlantic salmon", True),
            C("name", "The stage's name (unique within the species).", "Smolt", True, "name"),
            C("order", "Its place in the life cycle, 1 first (unique within the species).", "5", True, "order"),
            C("expected_weight_min_g", "Lowest expected average weight, g.", "60.00", True, "expected_weight_min_g"),
            C(
                "expected_weight_max_g",
                "Highest expected average weight, g (above the lowest).",
                "180.00",
                True,
                "expected_weight_max_g",
            ),
            C("at_sea", "true if the stage lives at sea (salmon: Post-Smolt, Adult).", "false", False, "at_sea"),
        ),
        fields=("species_id", "name", "order", "expected_weight_min_g", "expected_weight_max_g", "at_sea"),
        refs={"species_id": "species"},
        key=("species_id", "name"),
        export_values=("species__name", "name", "order", "expected_weight_min_g", "expected_weight_max_g", "at_sea"),
    ),
    Kind(
        "feeds",
        Feed,
        (
            C("name", "The feed's name (unique).", "Smolt 3 mm", True, "name"),
            C("brand", "Its maker.", "Demo feeds", False, "brand"),
            C("pellet_size_mm", "Pellet size, mm.", "3.00", False, "pellet_size_mm"),
        ),
        fields=("name", "brand", "pellet_size_mm"),
        key=("name",),
        export_values=("name", "brand", "pellet_size_mm"),
    ),
    Kind(
        "environmental_parameters",
        EnvironmentalParameter,
        (
            C("code", "Its code (unique; `temperature` drives growth).", "temperature", True, "code"),
            C("name", "Its name.", "Water temperature", True, "name"),
            C("unit", "The unit of its readings.", "°C", True, "unit"),
            C("min_value", "Lowest valid reading, in its unit.", "-2.0", True, "min_value"),
            C("max_value", "Highest valid reading, in its unit.", "40.0", True, "max_value"),
        ),
        fields=("code", "name", "unit", "min_value", "max_value"),
        key=("code",),
        export_values=("code", "name", "unit", "min_value", "max_value"),
    ),
    Kind(
        "temperature_profiles",
        TemperatureProfile,
        (C("name", "The profile's name (unique).", "Faroe sea, spring start", True, "name"),),
        fields=("name",),
        key=("name",),
        export_values=("name",),
    ),
    Kind(
        "temperature_profile_days",
        TemperatureProfileDay,
        (
            C("profile", "The temperature profile's name.", "Faroe sea, spring start", True),
            C("day_number", "Day of the profile, 1 first.", "1", True, "day_number"),
            C("temp_c", "Planned water temperature, °C.", "7.5", True, "temp_c"),
        ),
        fields=("profile_id", "day_number", "temp_c"),
        refs={"profile_id": "temperature_profiles"},
        key=("profile_id", "day_number"),
        export_values=("profile__name", "day_number", "temp_c"),
    ),
    Kind(
        "tgc_models",
        TGCModel,
        (
            C("name", "The TGC model's name (unique).", "TGC spring", True, "name"),
            C("tgc_value_per_1000", "Thermal growth coefficient ×1000 (2.5 means 0.0025).", "2.5", True, "tgc_value"),
            C("profile", "The temperature profile's name.", "Faroe sea, spring start", True),
        ),
        fields=("name", "tgc_value", "profile_id"),
        refs={"profile_id": "temperature_profiles"},
        key=("name",),
        export_values=("name", "tgc_value", "profile__name"),
    ),
    _stage_values(
        "tgc_stage_overrides",
        TGCStageOverride,
        ("TGC", "TGC spring", "tgc_models", "Fry"),
        C("tgc_value_per_1000", "The stage's TGC ×1000.", "2.0", True, "tgc_value"),
    ),
    Kind(
        "mortality_models",
        MortalityModel,
        (
            C("name", "The mortality model's name (unique).", "Mortality 0.03 %/day", True, "name"),
            C("frequency", "DAILY or WEEKLY: what the rate is per.", "DAILY", True, "frequency"),
            C("rate_percent", "Deaths, % of the fish per day or week.", "0.03", True, "rate_percent"),
        ),
        fields=("name", "frequency", "rate_percent"),
        key=("name",),
        export_values=("name", "frequency", "rate_percent"),
    ),
    _stage_values(
        "mortality_stage_overrides",
        MortalityStageOverride,
        ("mortality", "Mortality 0.03 %/day", "mortality_models", "Fry"),
        C("rate_percent", "The stage's rate, % per the model's frequency.", "0.05", True, "rate_percent"),
    ),
    Kind(
        "fcr_models",
        FCRModel,
        (C("name", "The FCR model's name (unique).", "FCR salmon", True, "name"),),
        fields=("name",),
        key=("name",),
        export_values=("name",),
    ),
    _stage_values(
        "fcr_model_stages",
        FCRModelStage,
        ("FCR", "FCR salmon", "fcr_models", "Smolt"),
        C("fcr_value", "Feed conversion ratio, kg feed per kg growth.", "1.10", True, "fcr_value"),
    ),
    Kind(
        "batches",
        Batch,
        (
            C("batch_number", "The batch's number (unique).", "AS25-S1-001", True, "batch_number"),
            C("species", "The species' name.", "Atlantic salmon", True),
            C("start_date", "Day 1 of the batch, YYYY-MM-DD.", "2025-01-15", True, "start_date"),
            C("status", "PLANNED, ACTIVE, COMPLETED, TERMINATED or CANCELLED.", "ACTIVE", True, "status"),
            NOTES,
        ),
        fields=("batch_number", "species_id", "start_date", "status", "notes"),
        refs={"species_id": "species"},
        key=("batch_number",),
        export_values=("batch_number", "species__name", "start_date", "status", "notes"),
    ),
    Kind(
        "scenarios",
        Scenario,
        (
            C("batch_number", "The batch the scenario plans (empty: a scenario of no batch).", "AS25-S1-001"),
            C("name", "The scenario's name (unique within its batch).", "AS25-S1-001 plan", True, "name"),
            C("start_date", "Its first day, YYYY-MM-DD.", "2025-01-15", True, "start_date"),
            C("duration_days", "Days it covers.", "900", True, "duration_days"),
            C("initial_count_fish", "Fish at the start.", "250000", True, "initial_count"),
            C("initial_weight_g", "Average weight at the start, g.", "0.20", True, "initial_weight_g"),
            C("tgc_model", "The TGC model's name.", "TGC spring", True),
            C("mortality_model", "The mortality model's name.", "Mortality 0.03 %/day", True),
            C("fcr_model", "The FCR model's name (empty: none).", "FCR salmon"),
            C("pinned", "true: the batch computes with this scenario instead of its newest.", "false"),
        ),
        fields=(
            "batch_id",
            "name",
            "start_date",
            "duration_days",
            "initial_count",
            "initial_weight_g",
            "tgc_model_id",
            "mortality_model_id",
            "fcr_model_id",
        ),
        refs={
            "batch_id": "batches",
            "tgc_model_id": "tgc_models",
            "mortality_model_id": "mortality_models",
            "fcr_model_id": "fcr_models",
        },
        key=("batch_id", "name"),
        export_values=(
            "batch__batch_number",
            "name",
            "start_date",
            "duration_days",
            "initial_count",
            "initial_weight_g",
            "tgc_model__name",
            "mortality_model__name",
            "fcr_model__name",
            "pinned",
        ),
    ),
    Kind(
        "assignments",
        BatchContainerAssignment,
        (
            BATCH,
            SITE,
            CONTAINER,
            C("stage", "The lifecycle stage's name (of the batch's species) at the start.", "Smolt", True),
            C("assignment_date", "First day in the container, YYYY-MM-DD.", "2025-04-10", True, "assignment_date"),
            C("departure_date", "Day the fish left (not included); empty: still there.", "", False, "departure_date"),
            C("placement_count_fish", "Fish placed (the batch's first placements only).", "", False, "placement_count"),
            C("placement_avg_weight_g", "Their average weight, g.", "", False, "placement_avg_weight_g"),
            NOTES,
        ),
        fields=(
            "batch_id",
            "container_id",
            "lifecycle_stage_id",
            "assignment_date",
            "departure_date",
            "placement_count",
            "placement_avg_weight_g",
            "notes",
        ),
        refs={"batch_id": "batches", "container_id": "containers", "lifecycle_stage_id": "lifecycle_stages"},
        key=("batch_id", "container_id", "assignment_date"),
        day="assignment_date",
        export_values=(
            "batch__batch_number",
            "container__site__name",
            "container__name",
            "lifecycle_stage__name",
            "assignment_date",
            "departure_date",
            "placement_count",
            "placement_avg_weight_g",
            "notes",
        ),
    ),
    Kind(
        "transfers",
        TransferAction,
        (
            BATCH,
            C("source_site", "The site the fish leave.", "Hatchery A", True),
            C("source_container", "The container they leave.", "Tank 03", True),
            C("source_assignment_date", "First day of the batch in that container.", "2025-02-01", True),
            C("dest_site", "The site they go to.", "Viðvík", True),
            C("dest_container", "The container they go to.", "Pen 02", True),
            C("dest_assignment_date", "First day of the batch in that container.", "2025-04-10", True),
            C("status", "PENDING, IN_PROGRESS, COMPLETED, FAILED or SKIPPED.", "COMPLETED", True, "status"),
            C("planned_date", "Planned day, YYYY-MM-DD.", "2025-04-10", False, "planned_date"),
            C(
                "actual_execution_date",
                "Day it was done (required when COMPLETED).",
                "2025-04-10",
                False,
                "actual_execution_date",
            ),
            C("transferred_count_fish", "Fish that arrived alive.", "120000", True, "transferred_count"),
            C(
                "mortality_during_transfer_fish",
                "Fish that died in handling.",
                "150",
                False,
                "mortality_during_transfer",
            ),
            C("measured_avg_weight_g", "Average weight measured, g.", "110.50", False, "measured_avg_weight_g"),
            C("selection_method", "AVERAGE, LARGEST or SMALLEST.", "AVERAGE", False, "selection_method"),
            NOTES,
        ),
        fields=(
            "source_assignment_id",
            "dest_assignment_id",
            "status",
            "planned_date",
            "actual_execution_date",
            "transferred_count",
            "mortality_during_transfer",
            "measured_avg_weight_g",
            "selection_method",
            "notes",
        ),
        refs={"source_assignment_id": "assignments", "dest_assignment_id": "assignments"},
        export_values=(
            "source_assignment__batch__batch_number",
            "source_assignment__container__site__name",
            "source_assignment__container__name",
            "source_assignment__assignment_date",
            "dest_assignment__container__site__name",
            "dest_assignment__container__name",
            "dest_assignment__assignment_date",
            "status",
            "planned_date",
            "actual_execution_date",
            "transferred_count",
            "mortality_during_transfer",
            "measured_avg_weight_g",
            "selection_method",
            "notes",
        ),
    ),
    Kind(
        "growth_days",
        GrowthSample,
        (),
        fields=(
            "assignment_id",
            "sample_date",
            "sample_size",
            "avg_weight_g",
            "std_dev_weight_g",
            "avg_length_cm",
            "notes",
        ),
        refs={"assignment_id": "assignments"},
        key=("assignment_id", "sample_date"),
        day="sample_date",
        file=False,
    ),
    Kind(
        "growth_samples",
        GrowthSampleCast,
        (
            BATCH,
            SITE,
            CONTAINER,
            C("sample_date", "Day of the sampling, YYYY-MM-DD.", "2025-05-02", True, "sample_date", GrowthSample),
            C("fish_weighed", "Fish weighed in this cast.", "40", True, "fish_weighed"),
            C("avg_weight_g", "Their average weight, g.", "152.30", True, "avg_weight_g"),
            C("std_dev_weight_g", "Standard deviation of their weights, g.", "21.40", False, "std_dev_weight_g"),
            C(
                "weights_g",
                "Every fish's weight in g, separated by `;` (then the three columns above must agree with them).",
                "",
            ),
            C(
                "avg_length_cm",
                "The day's average length, cm (the same on each cast of the day).",
                "",
                False,
                "avg_length_cm",
                GrowthSample,
            ),
            NOTES,
        ),
        fields=("sample_id", "fish_weighed", "avg_weight_g", "std_dev_weight_g", "weights_g", "notes"),
        refs={"sample_id": "growth_days"},
        repeats=True,
    ),
    Kind(
        "mortality",
        MortalityEvent,
        (
            *_event_columns("event_date", "Day of the deaths, YYYY-MM-DD.", "2025-05-03"),
            C("count_fish", "Fish found dead.", "12", True, "count"),
            C("cause", "UNKNOWN, DISEASE, HANDLING, PREDATION, ENVIRONMENT or OTHER.", "UNKNOWN", False, "cause"),
            NOTES,
        ),
        fields=("assignment_id", "event_date", "count", "cause", "notes"),
        refs={"assignment_id": "assignments"},
        day="event_date",
        export_values=(
            "assignment__batch__batch_number",
            "assignment__container__site__name",
            "assignment__container__name",
            "event_date",
            "count",
            "cause",
            "notes",
        ),
    ),
    Kind(
        "feeding",
        FeedingEvent,
        (
            *_event_columns("feeding_date", "Day of the feeding, YYYY-MM-DD.", "2025-05-03"),
            C("feed", "The feed's name (empty: not recorded).", "Smolt 3 mm"),
            C("amount_kg", "Feed given, kg.", "350.500", True, "amount_kg"),
        ),
        fields=("assignment_id", "feed_id", "feeding_date", "amount_kg"),
        refs={"assignment_id": "assignments", "feed_id": "feeds"},
        day="feeding_date",
        export_values=(
            "assignment__batch__batch_number",
            "assignment__container__site__name",
            "assignment__container__name",
            "feeding_date",
            "feed__name",
            "amount_kg",
        ),
    ),
    Kind(
        "treatments",
        Treatment,
        (
            *_event_columns("treatment_date", "Day of the treatment, YYYY-MM-DD.", "2025-03-20"),
            C("treatment_type", "VACCINATION, MEDICATION, DELICING or OTHER.", "VACCINATION", True, "treatment_type"),
            C("description", "Free text.", "Vaccination before sea transfer.", False, "description"),
            C(
                "includes_weighing",
                "true if fish were weighed (then the two columns below are required).",
                "true",
                False,
                "includes_weighing",
            ),
            C("weighed_count_fish", "Fish weighed.", "500", False, "weighed_count"),
            C("weighed_avg_weight_g", "Their average weight, g.", "48.20", False, "weighed_avg_weight_g"),
        ),
        fields=(
            "assignment_id",
            "treatment_date",
            "treatment_type",
            "description",
            "includes_weighing",
            "weighed_count",
            "weighed_avg_weight_g",
        ),
        refs={"assignment_id": "assignments"},
        day="treatment_date",
        export_values=(
            "assignment__batch__batch_number",
            "assignment__container__site__name",
            "assignment__container__name",
            "treatment_date",
            "treatment_type",
            "description",
            "includes_weighing",
            "weighed_count",
            "weighed_avg_weight_g",
        ),
    ),
    Kind(
        "environmental_readings",
        EnvironmentalReading,
        (
            SITE,
            CONTAINER,
            C("parameter", "The parameter's code.", "temperature", True),
            C(
                "reading_time",
                "When, ISO 8601 with its UTC offset (none: the farm's time zone).",
                "2025-05-03T06:00:00+00:00",
                True,
                "reading_time",
            ),
            C("value", "The reading, in the parameter's unit.", "8.4", True, "value"),
        ),
        fields=("container_id", "parameter_id", "reading_time", "value"),
        refs={"container_id": "containers", "parameter_id": "environmental_parameters"},
        export_values=("container__site__name", "container__name", "parameter__code", "reading_time", "value"),
    ),
    Kind(
        "planned_activities",
        PlannedActivity,
        (
            BATCH,
            C(
                "activity_type",
                "TRANSFER, HARVEST, VACCINATION, TREATMENT, SAMPLING, GRADING or OTHER.",
                "HARVEST",
                True,
                "activity_type",
            ),
            C("due_date", "Day it is due, YYYY-MM-DD.", "2026-09-01", True, "due_date"),
            C("status", "PLANNED, IN_PROGRESS, COMPLETED or CANCELLED.", "PLANNED", True, "status"),
            C("completed_date", "Day it was done (COMPLETED only).", "", False, "completed_date"),
            C("assignment_site", "Site of the assignment it acts on (a transfer's source).", "Viðvík"),
            C("assignment_container", "Container of that assignment.", "Pen 02"),
            C("assignment_date", "First day of that assignment.", "2025-04-10"),
            C("site", "Site of the container (where, or a transfer's destination).", ""),
            C("container", "The container's name.", ""),
            NOTES,
        ),
        fields=(
            "batch_id",
            "activity_type",
            "due_date",
            "status",
            "completed_date",
            "assignment_id",
            "container_id",
            "notes",
        ),
        refs={"batch_id": "batches", "assignment_id": "assignments", "container_id": "containers"},
        export_values=(
            "batch__batch_number",
            "activity_type",
            "due_date",
            "status",
            "completed_date",
            "assignment__container__site__name",
            "assignment__container__name",
            "assignment__assignment_date",
            "container__site__name",
            "container__name",
            "notes",
        ),
    ),
)

BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
FILE_KINDS: tuple[Kind, ...] = tuple(k for k in KINDS if k.file)
FILE_NAMES: set[str] = {k.name for k in FILE_KINDS}
ORDER: dict[str, int] = {k.name: i for i, k in enumerate(KINDS)}
#: kinds whose rows are events of an assignment on a day: the bulk path (COPY) and the simple reach
EVENT_KINDS = ("growth_samples", "mortality", "feeding", "treatments")
