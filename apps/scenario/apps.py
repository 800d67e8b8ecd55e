from django.apps import AppConfig


class ScenarioConfig(AppConfig):
    name = "apps.scenario"
    label = "scenario"
    # its records' recompute marks are wired by apps.recompute (apps/recompute/reach.py)
