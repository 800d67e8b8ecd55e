from django.apps import AppConfig


class ScenarioConfig(AppConfig):
    name = "apps.scenario"
    label = "scenario"
