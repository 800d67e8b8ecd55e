"""Feed changes the observed FCR: a feeding event's create, change or delete marks a recompute."""


def connect() -> None:
    from apps.batch.signals import track_event
    from apps.inventory.models import FeedingEvent

    track_event(FeedingEvent, assignment_fields=("assignment_id",), date_field="feeding_date")
