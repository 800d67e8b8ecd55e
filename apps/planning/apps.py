from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "apps.planning"
    label = "planning"
    verbose_name = "Planning"
    default_auto_field = "django.db.models.BigAutoField"
