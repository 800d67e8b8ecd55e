from django.apps import AppConfig


class RecomputeConfig(AppConfig):
    """The recompute pipeline above the domain apps (docs/architecture.md): it owns no table of its own."""

    name = "apps.recompute"
    label = "recompute"

    def ready(self) -> None:
        from apps.recompute import signals, tasks, worker  # noqa: F401  (tasks: registered by name for publish)

        signals.connect()
        worker.connect()
