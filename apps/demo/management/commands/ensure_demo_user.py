"""Create the development login printed by scripts/run.sh, once. Refuses to run with DEBUG off in production."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the 'demo' superuser for a local embedded run (not for production)."

    def handle(self, *args, **opts):
        if not settings.AQUAMIND_EMBEDDED:
            raise CommandError("ensure_demo_user is only for the embedded default (no CELERY_BROKER_URL set).")
        user_model = get_user_model()
        if not user_model.objects.filter(username="demo").exists():
            user_model.objects.create_superuser("demo", "demo@example.com", "demo-password")
            self.stdout.write("created user demo")
