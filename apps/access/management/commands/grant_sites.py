"""``manage.py grant_sites USERNAME SITE_NAME… [--all] [--geography NAME…] [--role ROLE]`` (docs/access.md)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.access.models import Geography, SiteGrant
from apps.access.roles import ROLE_GROUPS, user_role
from apps.infrastructure.models import Site


class Command(BaseCommand):
    help = (
        "Grant a user sites (by name), geographies or all sites, with a role there (default: the role of their "
        "groups; a higher role also puts them in that role's group). Existing grants of the same scope are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("sites", nargs="*", metavar="SITE_NAME")
        parser.add_argument("--all", action="store_true", dest="all_sites", help="every site, present and future")
        parser.add_argument("--geography", action="append", default=[], metavar="NAME", help="a geography's sites")
        parser.add_argument("--role", choices=sorted(ROLE_GROUPS, key=ROLE_GROUPS.get))

    @transaction.atomic
    def handle(self, *args, username, sites, all_sites, geography, role, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no user {username!r}")
        if not (sites or all_sites or geography):
            raise CommandError("name at least one SITE_NAME, a --geography or --all")
        named_sites = _by_name(Site, sites, "SITE_NAME")
        named_geographies = _by_name(Geography, geography, "--geography")
        role = role or user_role(user).group
        if ROLE_GROUPS[role] > user_role(user):
            user.groups.add(Group.objects.get(name=role))
            self.stdout.write(f"{username} joins the {role} group (the grant's role is above their groups')")
        scopes = [{"site": s} for s in named_sites] + [{"geography": g} for g in named_geographies]
        scopes += [{"all_sites": True}] if all_sites else []
        for scope in scopes:
            grant, created = SiteGrant.objects.update_or_create(user=user, **scope, defaults={"role": role})
            self.stdout.write(f"{'granted' if created else 'updated'}: {grant}")


def _by_name(model, names: list[str], argument: str) -> list:
    """The rows named, in order; a name that matches none is an error naming it and the ones there are."""
    found = {row.name: row for row in model.objects.filter(name__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        known = ", ".join(model.objects.order_by("name").values_list("name", flat=True)[:50]) or "none"
        raise CommandError(
            f"{argument}: no {model._meta.verbose_name} named {', '.join(map(repr, missing))} (known: {known})"
        )
    return [found[n] for n in dict.fromkeys(names)]
