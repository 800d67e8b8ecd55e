"""The monthly site report's query and body (docs/import-export.md, "The monthly site report")."""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from apps.infrastructure.models import Site
from apps.reports.monthly import COLUMNS, month_from_text

from . import fields
from .common import MAX_ID, QuerySerializer

TEXT_COLUMNS = {"site", "month", "batch", "containers", "treatments"}
RATIO_COLUMNS = {"economic_fcr", "biological_fcr"}


class SiteMonthQuerySerializer(QuerySerializer):
    rule_codes = ("does_not_exist",)

    site = fields.IntegerField(min_value=1, max_value=MAX_ID, allow_strings=True, help_text="The site's id.")
    month = fields.CharField(
        max_length=7,
        validators=[RegexValidator(r"^[0-9]{4}-[0-9]{2}$", "Not a month: YYYY-MM.", code="invalid")],
        help_text="The calendar month, YYYY-MM (1990-01 to 2199-12).",
    )

    def validate_site(self, value):
        site = Site.objects.filter(pk=value).first()
        if site is None:
            raise serializers.ValidationError("No site with this id.", code="does_not_exist")
        return site

    def validate_month(self, value):
        month = month_from_text(value)
        if month is None:
            raise serializers.ValidationError(f"{value[:20]!r} is not a month (YYYY-MM, 1990 to 2199).", code="invalid")
        return month


def _column(name: str) -> serializers.Field:
    if name in TEXT_COLUMNS:
        return fields.CharField()
    if name in RATIO_COLUMNS:
        return fields.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    if name.endswith("_kg"):
        return fields.DecimalField(max_digits=24, decimal_places=3)
    return fields.IntegerField()


#: one line of the report's table: the columns of apps/reports/monthly.py, units in their names
SiteMonthRowSerializer = type(
    "SiteMonthRowSerializer", (serializers.Serializer,), {name: _column(name) for name in COLUMNS}
)


class TreatmentLineSerializer(serializers.Serializer):
    date = fields.DateField()
    batch_number = fields.CharField()
    container = fields.CharField()
    treatment_type = fields.CharField()
    description = fields.CharField()


class SiteMonthReportSerializer(serializers.Serializer):
    site_id = fields.IntegerField()
    site = fields.CharField()
    month = fields.CharField(help_text="YYYY-MM.")
    first_date = fields.DateField()
    last_date = fields.DateField()
    computed_through = fields.DateField(allow_null=True, help_text="The latest computed day of the month.")
    batches = SiteMonthRowSerializer(many=True)
    total = SiteMonthRowSerializer(help_text="The site: the batches summed, its FCRs from the sums.")
    treatments = TreatmentLineSerializer(many=True)
