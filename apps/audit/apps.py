from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The history of the farm's records (docs/history.md): pghistory event models, the context of each
    write, the causes and moves of each recompute run, and the reads that put them into words."""

    name = "apps.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.audit.context import connect_task_signals

        connect_task_signals()
