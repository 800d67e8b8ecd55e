from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "apps.access"
    label = "access"
    verbose_name = "Access (site scopes)"

    def ready(self) -> None:
        from apps.access.admin_scope import scope_every_admin

        # The admin has imported every app's admin module by now (django.contrib.admin's ready runs first);
        # every registered ModelAdmin of site data gets the scoping mixin, so no admin can forget it.
        scope_every_admin()
