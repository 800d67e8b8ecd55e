"""The upgrade path (docs/access.md): a deployment that had users before site scopes existed keeps them working.
Every existing user who is not a superuser gets one "all sites" grant with the highest role of their groups
(viewer without one), so nobody is locked out; the operators then narrow the grants (admin, ``grant_sites``).
A fresh database has no users yet, so this does nothing there."""

from django.conf import settings
from django.db import migrations

ORDER = ("viewer", "operator", "manager", "admin")


def grant_all_sites_to_existing_users(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    SiteGrant = apps.get_model("access", "SiteGrant")
    held = set(SiteGrant.objects.values_list("user_id", flat=True))
    grants = []
    for user in User.objects.filter(is_superuser=False).exclude(pk__in=held).prefetch_related("groups"):
        names = {group.name for group in user.groups.all()}
        role = max((r for r in ORDER if r in names), key=ORDER.index, default="viewer")
        grants.append(SiteGrant(user=user, role=role, all_sites=True))
    SiteGrant.objects.bulk_create(grants)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("api", "0001_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(grant_all_sites_to_existing_users, migrations.RunPython.noop)]
