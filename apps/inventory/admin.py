from django.contrib import admin

from apps.batch.admin import RecordedAdmin, validated_form

from apps.infrastructure.admin_filters import container_filter

from .models import Feed, FeedingEvent
from .services import feeding_event_record, feeding_event_validate


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "pellet_size_mm"]
    search_fields = ["name", "brand"]


@admin.register(FeedingEvent)
class FeedingEventAdmin(RecordedAdmin):
    form = validated_form(FeedingEvent, feeding_event_validate)
    list_display = ["feeding_date", "assignment", "amount_kg", "feed"]
    list_filter = ["assignment__batch", "assignment__container__site", container_filter("assignment__container"), "feeding_date"]
    search_fields = ["assignment__batch__batch_number", "assignment__container__name"]
    date_hierarchy = "feeding_date"
    autocomplete_fields = ["assignment"]
    list_select_related = ["assignment__container__site", "feed"]

    def record(self, obj):
        feeding_event_record(event=obj)
