"""A day's mortality and feeding for many containers in one request (the site's record page): all rows are
saved, or none (docs/api.md, "A day's entries for a site")."""

from __future__ import annotations

from rest_framework import serializers

from apps.batch.models import BatchContainerAssignment, MortalityEvent
from apps.inventory.models import Feed
from aquamind import domain as d

from . import fields
from .events import FeedingEventSerializer, MortalityEventSerializer

MAX_ROWS = 2_000  # a site's containers: a large sea site has a few dozen pens, a hatchery a few hundred trays


class DayEntryRowSerializer(serializers.Serializer):
    """One container's day: its deaths (with their cause) and the feed it ate; a row with neither records
    nothing."""

    assignment = fields.PrimaryKeyRelatedField(
        queryset=BatchContainerAssignment.objects.all(), help_text="The assignment (container holding the batch)."
    )
    count = fields.IntegerField(
        min_value=1, max_value=d.MAX_FISH_COUNT, required=False, allow_null=True, help_text="Dead fish that day."
    )
    cause = fields.ChoiceField(
        choices=MortalityEvent.Cause.choices, required=False, help_text="Cause of the deaths (default UNKNOWN)."
    )
    amount_kg = fields.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=d.MIN_FEED_KG,
        max_value=d.MAX_FEED_KG,
        required=False,
        allow_null=True,
        help_text="Feed in kg that day.",
    )


class DayEntriesSerializer(serializers.Serializer):
    """The day's entries of several containers; ``feed`` is the feed type of every row's feeding."""

    # the recording services' rules, reported per row (rows.<n>.<field>): deaths beyond the fish held, a day's
    # feed beyond 100 t, a container whose assignment has no such day (rows.<n>.assignment); a request with no
    # deaths and no feed in any row
    rule_codes = ("exceeds_population", "exceeds_daily_feed", "invalid", "nothing_to_save")

    date = fields.DateField(validators=[d.event_date], help_text="The day recorded: not in the future.")
    feed = fields.PrimaryKeyRelatedField(
        queryset=Feed.objects.all(), required=False, allow_null=True, help_text="The feed type of the feedings."
    )
    rows = DayEntryRowSerializer(many=True, max_length=MAX_ROWS, help_text="One row per container.")

    def validate(self, attrs):
        if not any(row.get("count") or row.get("amount_kg") for row in attrs["rows"]):
            raise serializers.ValidationError(
                {
                    "rows": [
                        serializers.ErrorDetail(
                            "Nothing to save: enter the dead fish or the feed of at least one container.",
                            code="nothing_to_save",
                        )
                    ]
                }
            )
        return attrs


class DayEntriesSavedSerializer(serializers.Serializer):
    """What was recorded, in the API's usual shapes."""

    date = fields.DateField()
    mortality_events = MortalityEventSerializer(many=True)
    feeding_events = FeedingEventSerializer(many=True)
