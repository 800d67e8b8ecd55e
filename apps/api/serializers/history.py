"""The history's answers (docs/history.md, docs/api.md §History): the why of a day, a record's versions, the feed."""

from __future__ import annotations

from rest_framework import serializers

from apps.audit.history import EVENTS, Cursor
from apps.infrastructure.models import Site
from aquamind.domain import plan_date

from . import fields
from .common import MAX_ID, QuerySerializer


class WhyQuerySerializer(QuerySerializer):
    date = fields.DateField(help_text="The day asked about (YYYY-MM-DD).", validators=[plan_date])


class FeedQuerySerializer(QuerySerializer):
    rule_codes = ("does_not_exist", "end_before_start", "invalid")

    user = fields.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, allow_strings=True, help_text="Only this user's changes."
    )
    site = fields.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        allow_strings=True,
        help_text="Only records at this site (its containers, their assignments and events); farm-wide "
        "configuration (scenarios, species, feeds) has no site and is left out.",
    )
    kind = fields.ChoiceField(choices=sorted(EVENTS), required=False, help_text="Only this kind of record.")
    since = fields.DateField(required=False, validators=[plan_date], help_text="From this farm day on.")
    until = fields.DateField(required=False, validators=[plan_date], help_text="Up to this farm day.")
    after = fields.CharField(
        required=False,
        max_length=200,
        help_text="Page on: the previous page's `next`, a cursor (the changes after it in the feed's order).",
    )

    def validate_after(self, value):
        cursor = Cursor.parse(value)
        if cursor is None:
            raise serializers.ValidationError("Not a cursor of this feed (pass `next` as it came).", code="invalid")
        return cursor

    def validate_site(self, value):
        if not Site.objects.filter(pk=value).exists():
            raise serializers.ValidationError("No site with this id.", code="does_not_exist")
        return value

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError({"until": "until is before since."}, code="end_before_start")
        return attrs


class HistoryChangeSerializer(serializers.Serializer):
    field = fields.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    kind = fields.CharField(help_text="The record's model, `app.model`.")
    kind_name = fields.CharField()
    record_id = fields.IntegerField()
    event_id = fields.IntegerField()
    at = fields.DateTimeField()
    action = fields.ChoiceField(choices=["insert", "update", "delete"])
    user = fields.IntegerField(allow_null=True)
    username = fields.CharField(allow_blank=True)
    who = fields.CharField(help_text='The author in words: a username, "the system", "outside AquaMind".')
    channel = fields.CharField(help_text="api, page, admin, completion, command, system, import; database: none.")
    where = fields.CharField(allow_blank=True, help_text="The request path, command or task.")
    changes = HistoryChangeSerializer(
        many=True, help_text="Every field that changed (an insert: all; a delete: the last)."
    )
    summary = fields.CharField()


class HistoryFeedSerializer(serializers.Serializer):
    results = HistoryEntrySerializer(many=True)
    next = fields.CharField(allow_null=True, help_text="Pass as `after` for the next page; null on the last.")


class WhyValueSerializer(serializers.Serializer):
    avg_weight_g = fields.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False)
    population = fields.IntegerField()
    biomass_kg = fields.DecimalField(max_digits=24, decimal_places=2, coerce_to_string=False)
    anchor_type = fields.CharField(allow_null=True)
    sources = serializers.DictField(help_text="Where each value came from (measured, interpolated, …).")
    confidence = serializers.DictField(help_text="How sure each value is, 0 to 1.")


class WhyFiguresSerializer(serializers.Serializer):
    avg_weight_g = fields.CharField()
    population = fields.IntegerField()
    biomass_kg = fields.CharField()


class WhyEventSerializer(serializers.Serializer):
    kind = fields.CharField()
    id = fields.IntegerField(help_text="The history row.")
    record_id = fields.IntegerField()


class WhyChangeSerializer(serializers.Serializer):
    text = fields.CharField(help_text="The change in words.")
    at = fields.DateTimeField()
    who = fields.CharField()
    channel = fields.CharField()
    run = fields.IntegerField(help_text="The recompute run that moved the day.")
    run_at = fields.DateTimeField()
    trigger = fields.CharField()
    old = WhyFiguresSerializer(help_text="The day's values before this run.")
    new = WhyFiguresSerializer(help_text="The day's values after it.")
    event = WhyEventSerializer(allow_null=True, help_text="The edit behind it; null for a repair or a plain recompute.")


class WhySerializer(serializers.Serializer):
    assignment = fields.IntegerField()
    date = fields.DateField()
    value = WhyValueSerializer(allow_null=True, help_text="The stored state now; null when the day has none.")
    history = fields.BooleanField(help_text="False on SQLite: no history is recorded there.")
    changes = WhyChangeSerializer(many=True, help_text="Newest first.")
