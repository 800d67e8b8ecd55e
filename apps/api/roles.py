"""The roles' Django model permissions, so that a staff user's role means the same in the admin as in the API
(docs/api.md, Roles): every role views everything, and writes a model from the role its API viewset's
``write_role`` names on (deletes from the role its ``action_roles`` names for ``destroy``, when that is higher).
Kept in step on every ``migrate`` (``post_migrate``), which also recreates the groups after a database flush."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from apps.api.permissions import Role

PROJECT_APPS = (
    "infrastructure",
    "batch",
    "health",
    "inventory",
    "environmental",
    "scenario",
    "planning",
    "alerts",
    "farmio",
)
# Models the admin writes that have no viewset of their own: rows the API writes nested in their parent's
# body, and the failed recomputes the admin's replay action stamps. Computed rows (daily states, markers,
# runs, heartbeats) are in neither: read-only for everyone but superusers.
WRITE_ROLES_WITHOUT_VIEWSET = {
    ("scenario", "tgcstageoverride"): Role.MANAGER,
    ("scenario", "mortalitystageoverride"): Role.MANAGER,
    ("scenario", "fcrmodelstage"): Role.MANAGER,
    ("batch", "failedrecompute"): Role.MANAGER,
    ("alerts", "alert"): Role.OPERATOR,  # acknowledging (the page checks change_alert; the API its action role)
    # an import writes every kind of record: the import page and the API's imports ask for add_importjob
    ("farmio", "importjob"): Role.MANAGER,
    ("farmio", "externalid"): Role.MANAGER,
}
WRITES = ("add", "change", "delete")


def write_roles() -> dict[tuple[str, str], dict[str, Role]]:
    """(app label, model name) → {write: the least role that may do it} for add, change and delete."""
    from apps.api.urls import ROUTES

    roles = {key: dict.fromkeys(WRITES, role) for key, role in WRITE_ROLES_WITHOUT_VIEWSET.items()}
    for _, viewset in ROUTES:
        role = getattr(viewset, "write_role", None)  # None: a read-only viewset
        if role is not None and getattr(viewset, "queryset", None) is not None:  # a model's (not the day entries)
            meta = viewset.queryset.model._meta
            delete = max(role, getattr(viewset, "action_roles", {}).get("destroy", role))
            roles[(meta.app_label, meta.model_name)] = {"add": role, "change": role, "delete": delete}
    return roles


def role_permissions() -> dict[Role, set[tuple[str, str]]]:
    """(app label, codename) of every permission each role holds."""
    views = {(ct.app_label, f"view_{ct.model}") for ct in ContentType.objects.filter(app_label__in=PROJECT_APPS)}
    writes = write_roles()
    return {
        role: views
        | {
            (app, f"{action}_{model}")
            for (app, model), least in writes.items()
            for action in WRITES
            if role >= least[action]
        }
        for role in Role
    }


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
