"""A treatment with weighing is a weight anchor: its create, change or delete marks a recompute."""


def connect() -> None:
    from apps.batch.signals import track_event
    from apps.health.models import Treatment

    track_event(
        Treatment,
        assignment_fields=("assignment_id",),
        date_field="treatment_date",
        relevant_fields=("includes_weighing",),
        relevant=lambda values: bool(values["includes_weighing"]),
    )
