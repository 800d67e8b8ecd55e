from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"

    def ready(self) -> None:
        import apps.api.schema  # noqa: F401  (registers the token scheme with drf-spectacular)
        import aquamind.checks  # noqa: F401  (registers the deploy checks)
        from apps.api.roles import role_permissions_sync

        # after every app's permissions exist: auth creates them in its own post_migrate handler
        post_migrate.connect(role_permissions_sync, sender=self, dispatch_uid="api:role-permissions")
