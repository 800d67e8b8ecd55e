from django.apps import AppConfig


class ScenarioConfig(AppConfig):
    name = "apps.scenario"
    label = "scenario"

    def ready(self) -> None:
        from apps.scenario import signals

        signals.connect()
