from django.apps import AppConfig


class ForecastConfig(AppConfig):
    name = "apps.forecast"
    label = "forecast"
    verbose_name = "Forecast"
    default_auto_field = "django.db.models.BigAutoField"
