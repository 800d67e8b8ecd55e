from django.apps import AppConfig


class FarmioConfig(AppConfig):
    """A farm's history in and out as files (docs/import-export.md): above the recompute, whose work an import
    marks and drains, and below the pages and the API, which offer it."""

    name = "apps.farmio"
    label = "farmio"
    verbose_name = "Farm import and export"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.farmio import tasks  # noqa: F401  (registered by name for job_dispatch)
