"""The admin's scoping: one mixin, put in front of every registered ModelAdmin (and its inlines) of site data
when the app registry is ready, so an admin class written tomorrow is scoped without knowing it."""

from __future__ import annotations

from django.contrib import admin

from apps.access.roles import Role
from apps.access.scope import is_scoped, role_on_object, user_scope, visible_to

#: the least role a change or delete needs at the record's site (the groups' model permissions decide the rest)
ADMIN_WRITE_ROLE = Role.OPERATOR


class SiteScopedAdminMixin:
    """Lists, change forms and deletes show only the user's sites; a record of a site where the user holds less
    than ``ADMIN_WRITE_ROLE`` opens read-only, and the choices of related fields (where a new or changed record
    goes) are the sites where they hold it."""

    site_scoped = True

    def get_queryset(self, request):
        return visible_to(super().get_queryset(request), request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _may_write(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset") and _scoped_model(field.queryset.model):
            field.queryset = visible_to(field.queryset, request.user, least=ADMIN_WRITE_ROLE)
        return field


def _scoped_model(model) -> bool:
    try:
        return is_scoped(model)
    except Exception:  # a model outside the farm's data (a user, a group): not site data
        return False


def _may_write(request, obj) -> bool:
    if obj is None or not _scoped_model(type(obj)):
        return True
    role = role_on_object(request.user, obj)
    return role is not None and role >= ADMIN_WRITE_ROLE


def _scoped_class(cls):
    if getattr(cls, "site_scoped", False):
        return cls
    return type(cls.__name__, (SiteScopedAdminMixin, cls), {"__module__": cls.__module__})


def scope_every_admin(site=admin.site) -> None:
    """Put the mixin in front of every registered admin whose model is site data, and of every inline whose
    model is; a model that declares nothing is left as it is here (the API refuses it, tests/access names it)."""
    for model, model_admin in list(site._registry.items()):
        if _scoped_model(model):
            model_admin.__class__ = _scoped_class(type(model_admin))
        model_admin.inlines = [
            _scoped_class(inline) if _scoped_model(inline.model) else inline for inline in model_admin.inlines
        ]


def scope_label(user) -> str:
    """ "all sites" or the number of sites, for the admin's and the pages' header."""
    scope = user_scope(user)
    return "all sites" if scope.is_all else f"{len(scope.sites)} site(s)"
