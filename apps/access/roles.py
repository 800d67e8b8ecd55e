"""Roles are Django groups (created by apps/api/migrations/0001_roles.py), ordered by what they may do:

viewer < operator < manager < admin. Every authenticated user may read; a user without any of these groups
is a viewer. A superuser is an admin. Kept here, below the domain apps, because a site grant names a role and
the domain's reads are scoped by them (apps/access/scope.py); the API re-exports them (apps/api/permissions.py).
"""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    VIEWER = 0
    OPERATOR = 1
    MANAGER = 2
    ADMIN = 3

    @property
    def group(self) -> str:
        return self.name.lower()


ROLE_GROUPS = {role.group: role for role in Role}


def user_role(user) -> Role:
    """The highest role among the user's groups (cached on the user object for the request)."""
    if not user or not user.is_authenticated:
        raise ValueError("anonymous users have no role")
    cached = getattr(user, "_aquamind_role", None)
    if cached is None:
        if user.is_superuser:
            cached = Role.ADMIN
        else:
            names = user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True)
            cached = max((ROLE_GROUPS[n] for n in names), default=Role.VIEWER)
        user._aquamind_role = cached
    return cached
