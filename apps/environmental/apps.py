from django.apps import AppConfig


class EnvironmentalConfig(AppConfig):
    name = "apps.environmental"
    label = "environmental"
    # its records' recompute marks are wired by apps.batch (apps/batch/services/reach.py)
