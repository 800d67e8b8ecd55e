"""The API matrix (issue 20): every route of the URL conf is either a viewset over a model that declares its
site, or named here as not site data, or scoped by a view tested in tests/access/test_pages.py. Two managers
scoped to different sites each see and change only their own; a record they cannot see is a 404, one they see
but may not change a 403, and nothing is changed by a refused write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.viewsets import GenericViewSet

from apps.access.scope import site_paths
from apps.api.urls import ROUTES
from tests.access.conftest import START
from tests.access.truth import rows_of_site

pytestmark = pytest.mark.django_db

#: routes that serve no site data: authentication, the schema and its docs, the API's root and unknown paths,
#: the CSP reports
NOT_SITE_DATA = {
    "api-root", "api-token", "api-unknown", "schema", "api-docs", "api-redoc", "login", "logout", "csp-report",
    "alert-subscriptions",  # the user's own e-mail choices
    "import-template",  # an empty file with one example row
}  # fmt: skip
#: views that read site data without a viewset, each scoped and tested in tests/access/test_pages_admin.py and
#: tests/access/test_pages_more.py
SCOPED_VIEWS = {
    "overview", "batch-list", "batch-growth", "container-page", "forecast-summary", "health", "system-status",
    "site-page", "container-record", "site-record", "alerts", "alert-acknowledge",
    "report-picker", "site-month-report", "farm-month-report",
    "history-feed-page", "history-record-page", "history-feed", "history-export", "history-record",
    # an import writes any site's records: every site needed (403 otherwise)
    "import-page", "import-job-page", "import-job-status", "import-job-confirm", "import-create", "import-job",
    "import-confirm",
}  # fmt: skip


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def url_routes() -> list[tuple[str, URLPattern]]:
    """Every route of the URL conf but the admin's (tests/access/test_admin_scope.py covers the admin)."""
    return [(route, p) for route, p in _walk(get_resolver().url_patterns) if not route.startswith("admin/")]


def test_every_route_is_a_scoped_viewset_or_named_here():
    """A new endpoint fails here until it is a viewset (scoped by the default filter backend) or is named."""
    unnamed = []
    for route, pattern in url_routes():
        view_class = getattr(pattern.callback, "cls", None)
        if view_class is not None and issubclass(view_class, GenericViewSet):
            assert view_class in {viewset for _, viewset in ROUTES}, f"{route}: a viewset outside apps.api.urls.ROUTES"
            assert "SiteScopeFilter" in {b.__name__ for b in view_class.filter_backends}, route
            continue
        if pattern.name not in NOT_SITE_DATA | SCOPED_VIEWS:
            unnamed.append(route)
    assert unnamed == [], f"routes neither scoped nor declared not site data: {unnamed}"


#: viewsets over no model: writes only, whose every named record is checked (tests/access/test_pages_more.py)
WRITE_ONLY = {"batch/day-entries"}


def test_every_viewset_model_declares_its_site():
    for prefix, viewset in ROUTES:
        if viewset.queryset is None:
            assert prefix in WRITE_ONLY, f"{prefix}: a viewset without a model, not named in WRITE_ONLY"
            continue
        site_paths(viewset.queryset.model)  # raises for a model without site_path


def _ids(client, prefix: str) -> set[int]:
    """The ids of every page of the list."""
    ids, url, query = set(), f"/api/v1/{prefix}/", {"page_size": 1000}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, (prefix, response.content[:300])
        body = response.json()
        ids |= {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}
        url, query = (body.get("next") if isinstance(body, dict) else None), None
    return ids


def _scoped(viewset) -> bool:
    return site_paths(viewset.queryset.model) is not None


def test_each_user_lists_only_their_sites_rows(farms, api):
    for prefix, viewset in ROUTES:
        if viewset.queryset is not None:  # WRITE_ONLY viewsets list nothing
            _lists_only_their_sites(farms, api, prefix, viewset)


def _lists_only_their_sites(farms, api, prefix, viewset):
    model = viewset.queryset.model
    every = set(model.objects.values_list("pk", flat=True))
    for name, farm in (("alice", farms.a), ("bob", farms.b)):
        seen = _ids(api(name), prefix)
        if _scoped(viewset):
            own = rows_of_site(model, farm.site.pk, farms.batch_site)
            assert own, f"the fixture has no {model._meta.label} row at {farm.site}"
            assert seen == own, (prefix, name)
        else:
            assert seen == every, (prefix, name)  # reference data: the same for everyone
    assert _ids(api("nobody"), prefix) == (set() if _scoped(viewset) else every), prefix  # no grant: no site


def _detail_actions(viewset, method: str) -> list[str]:
    return [a.url_path for a in viewset.get_extra_actions() if a.detail and method in a.mapping]


SCOPED_ROUTES = [(p, v) for p, v in ROUTES if v.queryset is not None and site_paths(v.queryset.model) is not None]


def test_a_row_of_another_site_is_not_found_and_ones_own_is(farms, api):
    for prefix, viewset in SCOPED_ROUTES:
        _other_sites_row_not_found(farms, api, prefix, viewset)


def _other_sites_row_not_found(farms, api, prefix, viewset):
    model = viewset.queryset.model
    own = min(rows_of_site(model, farms.a.site.pk, farms.batch_site))
    other = min(rows_of_site(model, farms.b.site.pk, farms.batch_site))
    alice = api("alice")
    assert alice.get(f"/api/v1/{prefix}/{own}/").status_code == 200, prefix
    assert alice.get(f"/api/v1/{prefix}/{other}/").status_code == 404, prefix
    for action in _detail_actions(viewset, "get"):
        query = ACTION_QUERIES.get(action, {})
        assert alice.get(f"/api/v1/{prefix}/{own}/{action}/", query).status_code == 200, (prefix, action)
        assert alice.get(f"/api/v1/{prefix}/{other}/{action}/", query).status_code == 404, (prefix, action)


#: the parameters a detail action needs (why: a day of the assignment)
ACTION_QUERIES = {"why": {"date": str(START + dt.timedelta(days=2))}}


WRITABLE = [(p, v) for p, v in SCOPED_ROUTES if "partial_update" in dir(v)]


def test_writes_to_another_sites_row_are_404_unseen_and_403_seen_and_change_nothing(farms, api):
    for prefix, viewset in WRITABLE:
        _refused_writes(farms, api, prefix, viewset)


def _refused_writes(farms, api, prefix, viewset):
    model = viewset.queryset.model
    other = min(rows_of_site(model, farms.b.site.pk, farms.batch_site))
    before = api("bob").get(f"/api/v1/{prefix}/{other}/").json()
    for name, status in (("alice", 404), ("carol", 403)):
        client = api(name)
        assert client.patch(f"/api/v1/{prefix}/{other}/", {}, format="json").status_code == status, (prefix, name)
        assert client.put(f"/api/v1/{prefix}/{other}/", before, format="json").status_code == status, (prefix, name)
        assert client.delete(f"/api/v1/{prefix}/{other}/").status_code == status, (prefix, name)
        for action in _detail_actions(viewset, "post"):
            answer = client.post(f"/api/v1/{prefix}/{other}/{action}/", {}, format="json")
            assert answer.status_code == status, (prefix, name, action, answer.content[:200])
    assert api("bob").get(f"/api/v1/{prefix}/{other}/").json() == before, prefix


def test_a_manager_changes_a_row_of_their_own_site(farms, api):
    carol = api("carol")
    for prefix, viewset in WRITABLE:
        own = min(rows_of_site(viewset.queryset.model, farms.a.site.pk, farms.batch_site))
        answer = carol.patch(f"/api/v1/{prefix}/{own}/", {}, format="json")
        assert answer.status_code == 200, (prefix, answer.content[:300])
