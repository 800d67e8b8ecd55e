"""Roles are Django groups (created by apps/api/migrations/0001_roles.py), ordered by what they may do:

viewer < operator < manager < admin. Every authenticated user may read; a user without any of these groups
is a viewer. A superuser is an admin. A view states the role its writes need in ``write_role`` and may
override it per action in ``action_roles``.
"""

from __future__ import annotations

from enum import IntEnum

from rest_framework.permissions import SAFE_METHODS, BasePermission


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


def required_role(request, view) -> Role:
    action_role = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
    if action_role is not None:
        return action_role
    if request.method in SAFE_METHODS:
        return Role.VIEWER
    return getattr(view, "write_role", Role.ADMIN)


class RolePermission(BasePermission):
    """Anonymous → 401 (DRF turns a refused anonymous request into NotAuthenticated); too low a role → 403."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method not in view.allowed_methods:
            return True  # let the view answer 405 rather than 403
        needed = required_role(request, view)
        if user_role(request.user) >= needed:
            return True
        self.message = f"This needs the {needed.group} role."
        return False
