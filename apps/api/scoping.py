"""The API's side of the site scopes (docs/access.md): a default filter backend narrows every generic view's
queryset (lists, details, actions, exports built on a list's queryset) to the user's sites, an object
permission answers 403 when the user sees a record but lacks the role at its site, and ``refuse_out_of_scope``
checks every record a write names (a transfer's destination, a reading's container) before it is saved."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import BasePermission

from apps.access.roles import Role
from apps.access.scope import OutOfScope, check_places, role_on_object, visible_to
from apps.api.permissions import required_role


class SiteScopeFilter(BaseFilterBackend):
    """Only the rows of the user's sites; raises for a model that declares no ``site_path``, so an endpoint
    over a new model cannot be served unscoped."""

    def filter_queryset(self, request, queryset, view):
        return visible_to(queryset, request.user)


class SiteRolePermission(BasePermission):
    """A record the user sees (get_object found it) but whose sites give them less than the action needs: 403."""

    def has_permission(self, request, view) -> bool:
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        needed = required_role(request, view)
        if needed == Role.VIEWER:
            return True
        role = role_on_object(request.user, obj)
        if role is not None and role >= needed:
            return True
        self.message = f"This needs the {needed.group} role at this record's site."
        return False


def refuse_out_of_scope(user, data, needed: Role) -> None:
    """404 naming the field for a record the user cannot see, 403 for a place where their role is too low."""
    try:
        check_places(user, data, needed)
    except OutOfScope as refused:
        error = exceptions.ErrorDetail(str(refused).split(": ", 1)[1], code="out_of_scope")
        if refused.visible:
            raise exceptions.PermissionDenied({refused.field_name: [error]}) from None
        raise exceptions.NotFound({refused.field_name: [error]}) from None
