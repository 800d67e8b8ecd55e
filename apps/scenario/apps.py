from django.apps import AppConfig


class ScenarioConfig(AppConfig):
    name = "apps.scenario"
    label = "scenario"
    # its records' recompute marks are wired by apps.batch (apps/batch/services/reach.py)
