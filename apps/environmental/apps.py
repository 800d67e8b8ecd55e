from django.apps import AppConfig


class EnvironmentalConfig(AppConfig):
    name = "apps.environmental"
    label = "environmental"

    def ready(self) -> None:
        from apps.environmental import signals

        signals.connect()
