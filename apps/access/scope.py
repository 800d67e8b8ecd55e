"""The one scoping mechanism (docs/access.md): every model of site data declares once how it reaches its site,
and every read and write of the API, the pages, the admin and the exports goes through ``visible_to``,
``role_on_object`` and ``check_places`` below.

A model declares ``site_path``: a field path to ``infrastructure.Site`` (``"container__site"``), several paths
(a transfer: its source's and its destination's), or ``SHARED`` for reference data that belongs to no site
(species, feeds, parameters, growth models, system rows). It may add ``site_path_unplaced``: a relation whose
rows, when it is empty, belong to no site yet and are visible to every user with a grant (a batch before its
first assignment, a scenario of the library). A model that declares nothing cannot be read through the API at
all: ``site_paths`` raises, so a new endpoint that forgets its site fails the suite (tests/access).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Q

from apps.access.roles import Role, user_role

SHARED = "shared"  # ``site_path = SHARED``: reference data, the same for every user


class Undeclared(ImproperlyConfigured):
    """A model read or written through a scoped path without a ``site_path``."""


@dataclass(frozen=True)
class Scope:
    """What one user holds: ``everywhere`` is their role on every site (a superuser, an all-sites grant, or the
    ungranted legacy mode), ``sites`` their role per site id beyond that. ``None`` everywhere and no sites: the
    user sees no site data at all."""

    everywhere: Role | None = None
    sites: dict[int, Role] = field(default_factory=dict)

    @property
    def is_all(self) -> bool:
        return self.everywhere is not None

    def site_ids(self) -> frozenset[int] | None:
        """The visible sites' ids, None for all of them."""
        return None if self.is_all else frozenset(self.sites)

    def role_at(self, site_id: int | None) -> Role | None:
        best = self.sites.get(site_id) if site_id is not None else None
        if self.everywhere is not None and (best is None or self.everywhere > best):
            return self.everywhere
        return best


def user_scope(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object like their role): one query for the
    grants, after the one for the user's groups (their role)."""
    cached = getattr(user, "_aquamind_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._aquamind_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    from apps.access.models import SiteGrant

    if not user or not user.is_authenticated:
        return Scope()
    ceiling = user_role(user)
    if user.is_superuser:
        return Scope(everywhere=Role.ADMIN)
    # one query: a geography's grant comes back once per site of it (a left join through its sites)
    grants = list(
        SiteGrant.objects.filter(user=user).values_list("role", "all_sites", "site_id", "geography__sites__id")
    )
    if not grants:
        return Scope(everywhere=ceiling) if settings.ACCESS_UNGRANTED_SEES_ALL else Scope()
    everywhere: Role | None = None
    sites: dict[int, Role] = {}
    for name, all_sites, site_id, geography_site_id in grants:
        role = min(Role[name.upper()], ceiling)
        if all_sites:
            everywhere = max(everywhere, role) if everywhere is not None else role
        for covered in (site_id, geography_site_id):
            if covered is not None:
                sites[covered] = max(sites.get(covered, role), role)
    return Scope(everywhere=everywhere, sites=sites)


def forget_scope(user) -> None:
    """Drop the cached scope and role (after a grant changed in the same request or test)."""
    for attr in ("_aquamind_scope", "_aquamind_role"):
        if hasattr(user, attr):
            delattr(user, attr)


def site_paths(model) -> tuple[str, ...] | None:
    """The model's declared paths to its site, None for shared reference data; raises for an undeclared model."""
    declared = getattr(model, "site_path", None)
    if declared is None:
        raise Undeclared(
            f"{model._meta.label} declares no site_path: declare how it reaches its site or SHARED (docs/access.md)"
        )
    if declared == SHARED:
        return None
    return (declared,) if isinstance(declared, str) else tuple(declared)


def is_scoped(model) -> bool:
    return site_paths(model) is not None


def _multi_valued(model, path: str) -> bool:
    """Whether following ``path`` from ``model`` may meet several rows (a reverse or many-to-many step)."""
    for name in path.split("__"):
        try:
            step = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False  # a trailing lookup such as ``_id``
        if step.one_to_many or step.many_to_many:
            return True
        if not step.is_relation:
            return False
        model = step.related_model
    return False


def scope_q(model, site_ids) -> Q:
    """The condition "reaches one of ``site_ids``" (or is unplaced) on ``model``'s rows."""
    condition = Q()
    for path in site_paths(model):
        condition |= Q(**{f"{path}__in": site_ids})
    unplaced = getattr(model, "site_path_unplaced", None)
    if unplaced:
        condition |= Q(**{f"{unplaced}__isnull": True})
    return condition


def visible_to(queryset: models.QuerySet, user, *, least: Role | None = None) -> models.QuerySet:
    """``queryset`` narrowed to the rows of the user's sites (with ``least``: of the sites where they hold at
    least that role): the same query for a user who sees all, one condition more (a semi-join where the path
    may fan out, so no row comes twice) for the others."""
    model = queryset.model
    if site_paths(model) is None:
        return queryset
    site_ids = _site_ids(user_scope(user), least)
    if site_ids is None:
        return queryset
    condition = scope_q(model, sorted(site_ids))
    if any(_multi_valued(model, path) for path in _all_paths(model)):
        return queryset.filter(pk__in=model._base_manager.filter(condition).values("pk"))
    return queryset.filter(condition)


def _site_ids(scope: Scope, least: Role | None) -> set[int] | None:
    """The ids of the sites where the scope holds ``least`` (any role when None); None for every site."""
    if scope.is_all and (least is None or scope.everywhere >= least):
        return None
    return {site for site, role in scope.sites.items() if least is None or role >= least}


def scoped_for(queryset: models.QuerySet, user) -> models.QuerySet:
    """``visible_to`` for the read models that also serve internal callers: ``user=None`` is the system (a task,
    a command, a benchmark) and sees everything; every request passes its user."""
    return queryset if user is None else visible_to(queryset, user)


def _all_paths(model) -> tuple[str, ...]:
    unplaced = getattr(model, "site_path_unplaced", None)
    return site_paths(model) + ((unplaced,) if unplaced else ())


def object_site_ids(obj) -> set[int]:
    """The sites ``obj`` reaches now (one query per declared path)."""
    model = type(obj)
    found: set[int] = set()
    for path in site_paths(model) or ():
        found |= {pk for pk in model._base_manager.filter(pk=obj.pk).values_list(path, flat=True) if pk is not None}
    return found


def role_on_object(user, obj) -> Role | None:
    """The best role the user holds at one of ``obj``'s sites (their ceiling for shared data; for an object that
    reaches no site yet, the role of any of their grants)."""
    scope = user_scope(user)
    if not is_scoped(type(obj)):
        return user_role(user)
    if scope.is_all:
        return scope.everywhere
    roles = [r for r in (scope.role_at(s) for s in object_site_ids(obj)) if r is not None]
    if roles:
        return max(roles)
    unplaced = getattr(type(obj), "site_path_unplaced", None)
    if unplaced and scope.sites and type(obj)._base_manager.filter(pk=obj.pk, **{f"{unplaced}__isnull": True}).exists():
        return max(scope.sites.values())
    return None


class OutOfScope(Exception):
    """A write names something outside the user's sites: ``visible`` tells 403 (seen, not changeable) from 404."""

    def __init__(self, field_name: str, obj, *, visible: bool, needed: Role):
        self.field_name, self.obj, self.visible, self.needed = field_name, obj, visible, needed
        label = obj._meta.verbose_name
        if visible:
            message = f"{field_name}: you need the {needed.group} role at this {label}'s site."
        else:
            message = f"{field_name}: no {label} with id {obj.pk} in your sites."
        super().__init__(message)


def is_visible(user, obj) -> bool:
    model = type(obj)
    if not is_scoped(model) or user_scope(user).is_all:
        return True
    return visible_to(model._base_manager.filter(pk=obj.pk), user).exists()


def check_places(user, data, needed: Role, *, prefix: str = "") -> None:
    """Every record a write names (an assignment, a container, a site, a batch; nested too) must be visible to
    the user, and they must hold ``needed`` at one of its sites: a transfer's destination, a reading's
    container, an assignment's container, a planned activity's container, a scenario's batch. Raises
    ``OutOfScope`` naming the field."""
    if user_scope(user).is_all:
        return
    for name, value in _named_values(data, prefix):
        if not isinstance(value, models.Model) or not is_scoped(type(value)):
            continue
        if not is_visible(user, value):
            raise OutOfScope(name, value, visible=False, needed=needed)
        role = role_on_object(user, value)
        if role is None or role < needed:
            raise OutOfScope(name, value, visible=True, needed=needed)


def _named_values(data, prefix: str):
    """(dotted field name, value) for every value in nested dicts and lists of validated data."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _named_values(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            yield from _named_values(value, f"{prefix}.{index}")
    else:
        yield prefix, data
