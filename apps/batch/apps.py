from django.apps import AppConfig


class BatchConfig(AppConfig):
    name = "apps.batch"
    label = "batch"

    def ready(self) -> None:
        from apps.batch import signals, worker

        signals.connect()
        worker.connect()
