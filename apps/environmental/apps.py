from django.apps import AppConfig


class EnvironmentalConfig(AppConfig):
    name = "apps.environmental"
    label = "environmental"
    # its records' recompute marks are wired by apps.recompute (apps/recompute/reach.py)
