from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Reports computed from the stored daily states and the recorded events (docs/architecture.md); no models."""

    name = "apps.reports"
    label = "reports"
    verbose_name = "Reports"
    default_auto_field = "django.db.models.BigAutoField"
