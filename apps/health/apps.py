from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "apps.health"
    label = "health"
    # its records' recompute marks are wired by apps.recompute (apps/recompute/reach.py)
