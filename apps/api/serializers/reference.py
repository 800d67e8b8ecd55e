"""Sites, containers, species and stages, feeds, environmental parameters."""

from __future__ import annotations

from decimal import Decimal

from apps.batch.models import LifeCycleStage, Species
from apps.environmental.models import EnvironmentalParameter
from apps.environmental.validation import environmental_parameter_validate
from apps.infrastructure.models import Container, Site
from apps.inventory.models import Feed
from aquamind.domain import READING_MAX, READING_MIN, reading_range

from . import fields
from .common import ModelSerializer, candidate, fail


class SiteSerializer(ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "kind"]


class ContainerSerializer(ModelSerializer):
    volume_m3 = fields.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
    )

    class Meta:
        model = Container
        fields = ["id", "site", "name", "kind", "volume_m3"]


class SpeciesSerializer(ModelSerializer):
    class Meta:
        model = Species
        fields = ["id", "name", "scientific_name"]


class LifeCycleStageSerializer(ModelSerializer):
    rule_codes = ("max_below_min",)

    expected_weight_min_g = fields.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    expected_weight_max_g = fields.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))

    class Meta:
        model = LifeCycleStage
        fields = ["id", "species", "name", "order", "expected_weight_min_g", "expected_weight_max_g", "at_sea"]

    def validate(self, attrs):
        row = candidate(self, attrs)
        if row.expected_weight_max_g <= row.expected_weight_min_g:
            fail("expected_weight_max_g", "The maximum weight must be above the minimum weight.", "max_below_min")
        return attrs


class FeedSerializer(ModelSerializer):
    pellet_size_mm = fields.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
    )

    class Meta:
        model = Feed
        fields = ["id", "name", "brand", "pellet_size_mm"]


class EnvironmentalParameterSerializer(ModelSerializer):
    rule_codes = ("max_below_min", "out_of_range", "excludes_readings")

    min_value = fields.FloatField(
        min_value=READING_MIN, max_value=READING_MAX, required=False, help_text="Lowest valid reading."
    )
    max_value = fields.FloatField(
        min_value=READING_MIN, max_value=READING_MAX, required=False, help_text="Highest valid reading."
    )

    class Meta:
        model = EnvironmentalParameter
        fields = ["id", "code", "name", "unit", "min_value", "max_value"]

    def validate(self, attrs):
        if self.instance is None:  # a new parameter without a range gets its code's default range
            attrs = {**reading_range(attrs.get("code", "")), **attrs}
        environmental_parameter_validate(candidate(self, attrs))
        return attrs
