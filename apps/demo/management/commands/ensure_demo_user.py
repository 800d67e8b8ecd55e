"""Create the development logins printed by scripts/run.sh, once: the ``demo`` superuser (every site) and one
operator per site, ``site-<site name>``, granted only that site (docs/access.md, docs/demo-data.md). Refuses to
run with DEBUG off in production."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from apps.access.models import SiteGrant
from apps.access.roles import Role
from apps.infrastructure.models import Site

DEMO_PASSWORD = "demo-password"


def site_username(site: Site) -> str:
    """``site-`` and the site's name as a slug (``Viðvík`` → ``site-vivik``), the id when the name has no letters."""
    return f"site-{slugify(site.name) or site.pk}"


class Command(BaseCommand):
    help = "Create the 'demo' superuser and one operator per site for a local embedded run (not for production)."

    def handle(self, *args, **opts):
        if not settings.AQUAMIND_EMBEDDED:
            raise CommandError("ensure_demo_user is only for the embedded default (no CELERY_BROKER_URL set).")
        user_model = get_user_model()
        if not user_model.objects.filter(username="demo").exists():
            user_model.objects.create_superuser("demo", "demo@example.com", DEMO_PASSWORD)
            self.stdout.write("created user demo")
        operators = Group.objects.get(name=Role.OPERATOR.group)
        for site in Site.objects.order_by("name"):
            user, created = user_model.objects.get_or_create(username=site_username(site))
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                user.groups.add(operators)
                SiteGrant.objects.create(user=user, site=site, role=Role.OPERATOR.group)
                self.stdout.write(f"created user {user.username} (operator of {site.name} only)")
