"""Roles are Django groups (created by apps/api/migrations/0001_roles.py), ordered by what they may do:

viewer < operator < manager < admin. Every authenticated user may read; a user without any of these groups
is a viewer. A superuser is an admin. A view states the role its writes need in ``write_role`` and may
override it per action in ``action_roles``. The roles themselves live in ``apps/access/roles.py`` (the site
grants name them); the role a user holds at a record's site is checked by ``apps/api/scoping.py``.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.access.roles import ROLE_GROUPS, Role, user_role

__all__ = ["ROLE_GROUPS", "Role", "RolePermission", "required_role", "user_role"]


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
