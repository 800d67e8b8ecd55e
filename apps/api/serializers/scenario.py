"""Scenarios and their models. Nested rows (profile days, stage overrides, FCR stages) are written with
their parent; on update a given list replaces the stored rows. Marking the recompute of the batches that use
a changed model is left to the scenario signals (coalesced with ``recompute_marks_deferred``)."""

from __future__ import annotations

from rest_framework import serializers

from apps.api.services import temperature_profile_days_replace
from apps.recompute.signals import recompute_marks_deferred
from apps.scenario import models as m
from aquamind import domain as d

from . import fields
from .common import FiniteFloatField, ModelSerializer, candidate, fail

MAX_DAY_NUMBER = d.MAX_PROFILE_DAY


def temperature_c(**kwargs) -> FiniteFloatField:
    return FiniteFloatField(min_value=d.PROFILE_TEMPERATURE_C[0], max_value=d.PROFILE_TEMPERATURE_C[1], **kwargs)


def tgc(**kwargs) -> FiniteFloatField:
    return FiniteFloatField(min_value=d.TGC_RANGE[0], max_value=d.TGC_RANGE[1], **kwargs)


def mortality_rate(**kwargs) -> FiniteFloatField:
    return FiniteFloatField(min_value=d.MORTALITY_RATE_PERCENT[0], max_value=d.MORTALITY_RATE_PERCENT[1], **kwargs)


def _complete_and_unique(rows: list[dict], key: str, what: str, fields: tuple[str, ...]) -> list[dict]:
    """Every nested row carries all its fields (also in a PATCH, where DRF makes them optional) and ``key``
    appears once."""
    missing = [{f: ["This field is required."] for f in fields if f not in row} for row in rows]
    if any(missing):
        raise serializers.ValidationError(missing, code="required")
    seen = set()
    for row in rows:
        value = row[key].pk if hasattr(row[key], "pk") else row[key]
        if value in seen:
            raise serializers.ValidationError(f"{what} {value} appears twice.", code="duplicate")
        seen.add(value)
    return rows


class NestedRowsSerializer(ModelSerializer):
    """``nested`` maps a list field to (child model, foreign key to the parent)."""

    nested: dict[str, tuple[type, str]] = {}
    rule_codes = ("required", "duplicate")  # _complete_and_unique

    def create(self, validated_data):
        rows = {name: validated_data.pop(name, []) for name in self.nested}
        parent = super().create(validated_data)
        for name, (model, fk) in self.nested.items():  # a new parent is used by no scenario yet
            model.objects.bulk_create(model(**{fk: parent}, **row) for row in rows[name])
        return parent

    def update(self, instance, validated_data):
        rows = {name: validated_data.pop(name) for name in self.nested if name in validated_data}
        with recompute_marks_deferred():
            parent = super().update(instance, validated_data)
            for name, new_rows in rows.items():
                self.replace_rows(parent, name, new_rows)
        return parent

    def replace_rows(self, parent, name: str, rows: list[dict]) -> None:
        model, fk = self.nested[name]
        for old in model.objects.filter(**{fk: parent}):
            old.delete()
        for row in rows:
            model.objects.create(**{fk: parent}, **row)


class TemperatureDaysSerializer(serializers.ListSerializer):
    """A profile's days read as plain pairs: the same JSON as one child serializer per day, without DRF's
    per-field work for each of a profile's 900 days (the profile list took seconds, issue 21)."""

    def to_representation(self, data):
        temp_c = self.child.fields["temp_c"].to_representation
        pairs = getattr(getattr(data, "instance", None), DAY_PAIRS, None)  # read by TemperatureProfilesSerializer
        if pairs is not None:
            return [{"day_number": day, "temp_c": temp_c(t)} for day, t in pairs]
        rows = data.all() if hasattr(data, "all") else data
        return [{"day_number": d.day_number, "temp_c": temp_c(d.temp_c)} for d in rows]


DAY_PAIRS = "_day_pairs"


class TemperatureProfilesSerializer(serializers.ListSerializer):
    """A page of profiles with their days read in one query as (day, temperature) pairs, no model instance per
    day: the list of the national farm's 12 profiles × 900 days spent most of its time instantiating 10,800
    ``TemperatureProfileDay`` rows (issue 21). The JSON is the same as the per-profile serializer's."""

    def to_representation(self, data):
        profiles = list(data.all() if hasattr(data, "all") else data)
        by_profile: dict[int, list[tuple[int, float]]] = {p.pk: [] for p in profiles}
        rows = m.TemperatureProfileDay.objects.filter(profile_id__in=list(by_profile)).order_by(
            "profile_id", "day_number"
        )
        for profile_id, day, temp in rows.values_list("profile_id", "day_number", "temp_c"):
            by_profile[profile_id].append((day, temp))
        for profile in profiles:
            setattr(profile, DAY_PAIRS, by_profile[profile.pk])
        return super().to_representation(profiles)


class TemperatureDaySerializer(ModelSerializer):
    day_number = fields.IntegerField(min_value=1, max_value=MAX_DAY_NUMBER)
    temp_c = temperature_c()

    class Meta:
        model = m.TemperatureProfileDay
        fields = ["day_number", "temp_c"]
        list_serializer_class = TemperatureDaysSerializer


class TemperatureProfileDaySerializer(ModelSerializer):
    day_number = fields.IntegerField(min_value=1, max_value=MAX_DAY_NUMBER)
    temp_c = temperature_c()

    class Meta:
        model = m.TemperatureProfileDay
        fields = ["id", "profile", "day_number", "temp_c"]


def _profile_in_use(profile_id) -> bool:
    return profile_id is not None and m.Scenario.objects.filter(tgc_model__profile_id=profile_id).exists()


class TemperatureProfileSerializer(NestedRowsSerializer):
    rule_codes = ("empty_profile",)
    days = TemperatureDaySerializer(many=True, required=False, max_length=MAX_DAY_NUMBER)
    nested = {"days": (m.TemperatureProfileDay, "profile")}

    class Meta:
        model = m.TemperatureProfile
        fields = ["id", "name", "days"]
        list_serializer_class = TemperatureProfilesSerializer

    def validate_days(self, rows):
        if not rows and self.instance is not None and _profile_in_use(self.instance.pk):
            raise serializers.ValidationError(
                "A profile used by a scenario needs at least one day.", code="empty_profile"
            )
        return _complete_and_unique(rows, "day_number", "Day", ("day_number", "temp_c"))

    def replace_rows(self, parent, name, rows):
        temperature_profile_days_replace(profile=parent, days=[(r["day_number"], r["temp_c"]) for r in rows])


class TGCOverrideSerializer(ModelSerializer):
    tgc_value = tgc()

    class Meta:
        model = m.TGCStageOverride
        fields = ["lifecycle_stage", "tgc_value"]


class TGCModelSerializer(NestedRowsSerializer):
    rule_codes = ("empty_profile",)
    tgc_value = tgc(help_text="Per 1000 (2.5 means 0.0025).")
    stage_overrides = TGCOverrideSerializer(many=True, required=False)
    nested = {"stage_overrides": (m.TGCStageOverride, "model")}

    class Meta:
        model = m.TGCModel
        fields = ["id", "name", "tgc_value", "profile", "stage_overrides"]

    def validate_stage_overrides(self, rows):
        return _complete_and_unique(rows, "lifecycle_stage", "Stage", ("lifecycle_stage", "tgc_value"))

    def validate(self, attrs):
        profile = attrs.get("profile")
        in_use = self.instance is not None and self.instance.scenarios.exists()
        if profile is not None and in_use and not profile.days.exists():
            fail("profile", "A model used by a scenario needs a temperature profile with days.", "empty_profile")
        return attrs


class MortalityOverrideSerializer(ModelSerializer):
    rate_percent = mortality_rate()

    class Meta:
        model = m.MortalityStageOverride
        fields = ["lifecycle_stage", "rate_percent"]


class MortalityModelSerializer(NestedRowsSerializer):
    rate_percent = mortality_rate(help_text="Per day or per week, by frequency.")
    stage_overrides = MortalityOverrideSerializer(many=True, required=False)
    nested = {"stage_overrides": (m.MortalityStageOverride, "model")}

    class Meta:
        model = m.MortalityModel
        fields = ["id", "name", "frequency", "rate_percent", "stage_overrides"]

    def validate_stage_overrides(self, rows):
        return _complete_and_unique(rows, "lifecycle_stage", "Stage", ("lifecycle_stage", "rate_percent"))


class FCRStageSerializer(ModelSerializer):
    fcr_value = FiniteFloatField(min_value=d.FCR_RANGE[0], max_value=d.FCR_RANGE[1])

    class Meta:
        model = m.FCRModelStage
        fields = ["lifecycle_stage", "fcr_value"]


class FCRModelSerializer(NestedRowsSerializer):
    stages = FCRStageSerializer(many=True, required=False)
    nested = {"stages": (m.FCRModelStage, "model")}

    class Meta:
        model = m.FCRModel
        fields = ["id", "name", "stages"]

    def validate_stages(self, rows):
        return _complete_and_unique(rows, "lifecycle_stage", "Stage", ("lifecycle_stage", "fcr_value"))


class ScenarioSerializer(ModelSerializer):
    rule_codes = ("empty_profile", "pinned")

    class Meta:
        model = m.Scenario
        fields = [
            "id",
            "name",
            "batch",
            "start_date",
            "duration_days",
            "initial_count",
            "initial_weight_g",
            "tgc_model",
            "mortality_model",
            "fcr_model",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        row = candidate(self, attrs)
        if not m.TemperatureProfileDay.objects.filter(profile_id=row.tgc_model.profile_id).exists():
            fail(
                "tgc_model",
                f"The temperature profile of TGC model {row.tgc_model.name!r} has no days.",
                "empty_profile",
            )
        if self.instance is not None and "batch" in attrs and row.batch_id != self.instance.batch_id:
            if self.instance.pinned_by.exists():
                fail("batch", "The scenario is pinned by its batch; unpin it before moving it.", "pinned")
        return attrs
