from django.contrib import admin

from .models import Feed, FeedingEvent


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "pellet_size_mm"]
    search_fields = ["name", "brand"]


@admin.register(FeedingEvent)
class FeedingEventAdmin(admin.ModelAdmin):
    list_display = ["feeding_date", "assignment", "amount_kg", "feed"]
    list_filter = ["assignment__batch", "assignment__container__site", "feeding_date"]
    search_fields = ["assignment__batch__batch_number", "assignment__container__name"]
    date_hierarchy = "feeding_date"
    autocomplete_fields = ["assignment"]
    list_select_related = ["assignment", "feed"]
