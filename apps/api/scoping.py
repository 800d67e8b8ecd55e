"""The API's side of the site scopes (docs/access.md): a default filter backend narrows every generic view's
queryset (lists, details, actions, exports built on a list's queryset) to the user's sites, an object
permission answers 403 when the user sees a record but lacks the role at its site, and every write's serializer
checks the records its body names (a transfer's destination, a reading's container) as soon as they are read,
before any other rule, so a record out of scope is a 404 or 403, never a 400 that tells what it holds."""

from __future__ import annotations

from functools import cache

from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.access.roles import Role
from apps.access.scope import OutOfScope, check_places, role_on_object, user_scope, visible_to
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


class PlacesInScope:
    """Serializer mixin: the records a write's body names, checked right after the fields are read."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        request, view = self.context.get("request"), self.context.get("view")
        if request is not None and view is not None and request.method not in SAFE_METHODS:
            if self.instance is None and _is_a_site(self):
                refuse_new_site(request.user)
            refuse_out_of_scope(request.user, value, required_role(request, view))
        return value


def _is_a_site(serializer) -> bool:
    meta = getattr(serializer, "Meta", None)
    model = getattr(meta, "model", None)
    return model is not None and getattr(model, "site_path", None) == "pk"


def refuse_new_site(user) -> None:
    """A new site is in nobody's grants yet: only a user who holds all sites may create one (403)."""
    if not user_scope(user).is_all:
        raise exceptions.PermissionDenied("Only a user granted all sites may create a site.")


@cache
def scope_checked(serializer_class):
    """``serializer_class`` with ``PlacesInScope`` in front (one class per serializer, made once)."""
    attrs = {"__module__": serializer_class.__module__, "__doc__": serializer_class.__doc__}
    return type(serializer_class.__name__, (PlacesInScope, serializer_class), attrs)
