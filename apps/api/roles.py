"""The roles' Django model permissions, so that a staff user's role means the same in the admin as in the API
(docs/api.md, Roles): viewer reads everything, operator records events, manager edits batches, assignments,
infrastructure, feeds and scenarios, admin everything. Kept in step on every ``migrate`` (``post_migrate``),
which also recreates the groups after a database flush."""
from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from apps.api.permissions import Role

PROJECT_APPS = ("infrastructure", "batch", "health", "inventory", "environmental", "scenario")
OPERATOR_WRITES = {
    "batch": {"growthsample", "transferaction", "mortalityevent"},
    "health": {"treatment"},
    "inventory": {"feedingevent"},
    "environmental": {"environmentalreading"},
}
MANAGER_WRITES = {
    "infrastructure": {"site", "container"},
    "batch": {"batch", "batchcontainerassignment", "failedrecompute"},
    "inventory": {"feed"},
    "scenario": {
        "temperatureprofile", "temperatureprofileday", "tgcmodel", "tgcstageoverride", "mortalitymodel",
        "mortalitystageoverride", "fcrmodel", "fcrmodelstage", "scenario",
    },
}  # fmt: skip
WRITES = ("add", "change", "delete")


def _writes(models_by_app: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(app, f"{action}_{model}") for app, models in models_by_app.items() for model in models for action in WRITES}


def role_permissions() -> dict[Role, set[tuple[str, str]]]:
    """(app label, codename) of every permission each role holds."""
    project = ContentType.objects.filter(app_label__in=PROJECT_APPS)
    every = {(ct.app_label, f"{action}_{ct.model}") for ct in project for action in ("view", *WRITES)}
    view = {(app, codename) for app, codename in every if codename.startswith("view_")}
    operator = view | _writes(OPERATOR_WRITES)
    manager = operator | _writes(MANAGER_WRITES)
    # computed rows (daily states, markers, runs, heartbeats) stay read-only for everyone but superusers
    return {Role.VIEWER: view, Role.OPERATOR: operator, Role.MANAGER: manager, Role.ADMIN: every}


def role_permissions_sync(**kwargs) -> None:
    """Create the role groups if missing and give each exactly its permissions (that exist)."""
    by_key = {
        (app, codename): pk
        for pk, app, codename in Permission.objects.filter(content_type__app_label__in=PROJECT_APPS).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, keys in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role.group)
        group.permissions.set([by_key[key] for key in keys if key in by_key])
