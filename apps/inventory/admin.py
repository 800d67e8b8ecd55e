"""The feeds. Feeding events are recorded on an assignment, under its lock: their admin is the batch app's."""

from django.contrib import admin

from .models import Feed


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "pellet_size_mm"]
    search_fields = ["name", "brand"]
