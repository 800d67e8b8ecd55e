"""The scoped views that are not viewsets (the overview, the batch list, the growth and container pages, the
forecast summary, /health/'s details) and the admin: each user sees only their sites (issue 20)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.access.admin_scope import SiteScopedAdminMixin
from apps.access.scope import is_scoped
from apps.batch.models import RecomputeMarker
from apps.planning.summary import forecast_summary_for_farm
from tests.access.truth import rows_of_site

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/batches/"])
def test_the_overview_and_batch_list_show_only_the_users_sites(farms, page, url):
    for name, own, other in (("alice", farms.a, farms.b), ("bob", farms.b, farms.a)):
        html = page(name).get(url).content.decode()
        assert own.batch.batch_number in html and other.batch.batch_number not in html, name
        assert other.tanks[1].name not in html, name
        if url == "/":  # the overview lists the sites; a site's page its containers holding fish
            assert own.site.name in html, name
            assert own.tanks[1].name in page(name).get(f"/sites/{own.site.pk}/").content.decode(), name
        assert other.site.name not in html, name  # not even in the site filter's choices
    html = page("nobody").get(url).content.decode()
    assert farms.a.batch.batch_number not in html and farms.b.batch.batch_number not in html


def test_the_growth_and_container_pages_of_another_site_are_not_found(farms, page):
    alice = page("alice")
    assert alice.get(f"/batches/{farms.a.batch.pk}/growth/").status_code == 200
    assert alice.get(f"/batches/{farms.b.batch.pk}/growth/").status_code == 404
    assert alice.get(f"/containers/{farms.a.tanks[0].pk}/").status_code == 200
    assert alice.get(f"/containers/{farms.b.tanks[0].pk}/").status_code == 404
    # the plan's form offers only the user's containers as places and destinations
    html = alice.get(f"/batches/{farms.a.batch.pk}/growth/").content.decode()
    assert farms.a.tanks[1].name in html and farms.b.tanks[1].name not in html


def test_the_forecast_summary_counts_only_the_users_sites(farms, api):
    today = timezone.localdate()
    for name, own, other in (("alice", farms.a, farms.b), ("bob", farms.b, farms.a)):
        scoped = api(name).get("/api/v1/forecast/summary/").json()
        truth = api(name).get("/api/v1/forecast/summary/", {"site": own.site.pk}).json()
        assert scoped["weeks"] == truth["weeks"] and scoped["overdue"] == truth["overdue"]
        unscoped_site = forecast_summary_for_farm(today=today, site_id=own.site.pk)  # the read without a user
        assert [w["harvest"]["assignments"] for w in truth["weeks"]] == [
            w["harvest"]["assignments"] for w in unscoped_site["weeks"]
        ]
        elsewhere = api(name).get("/api/v1/forecast/summary/", {"site": other.site.pk}).json()
        assert all(w[k]["assignments"] == 0 for w in elsewhere["weeks"] for k in ("harvest", "sea_transfer"))


def test_health_details_name_only_the_readers_batches(farms, page, django_user_model):
    now = timezone.now()
    for farm in (farms.a, farms.b):
        RecomputeMarker.objects.create(
            assignment=farm.dest, batch=farm.batch, dirty_from=farm.dest.assignment_date,
            created_at=now, updated_at=now, attempts=3, parked_at=now,
        )  # fmt: skip
    assert page("alice").get("/health/").json()["recompute"]["parked_batches"] == [farms.a.batch.pk]
    assert page("bob").get("/health/").json()["recompute"]["parked_batches"] == [farms.b.batch.pk]
    root = Client()
    root.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw-long-enough"))
    assert root.get("/health/").json()["recompute"]["parked_batches"] == sorted([farms.a.batch.pk, farms.b.batch.pk])


SCOPED_ADMINS = sorted(
    (m for m in admin.site._registry if getattr(m, "site_path", None) and is_scoped(m)), key=lambda m: m._meta.label
)


def test_every_admin_of_site_data_and_its_inlines_is_scoped():
    for model, model_admin in admin.site._registry.items():
        if getattr(model, "site_path", None) and is_scoped(model):
            assert isinstance(model_admin, SiteScopedAdminMixin), model._meta.label
        for inline in model_admin.inlines:
            if getattr(inline.model, "site_path", None) and is_scoped(inline.model):
                assert issubclass(inline, SiteScopedAdminMixin), inline


def test_the_admin_lists_only_the_users_sites_and_opens_no_other_sites_row(farms, page, users):
    from django.contrib.auth.models import Group

    for name in ("alice", "carol"):  # staff managers; the groups' permissions let them view every model
        assert users[name].groups.filter(name="manager").exists()
    alice = page("alice")
    viewable = [m for m in SCOPED_ADMINS if users["alice"].has_perm(f"{m._meta.app_label}.view_{m._meta.model_name}")]
    assert len(viewable) >= 10  # the farm's records; computed forecast rows are for superusers
    for model in viewable:
        own = rows_of_site(model, farms.a.site.pk, farms.batch_site)
        other = rows_of_site(model, farms.b.site.pk, farms.batch_site)
        base = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        listed = alice.get(reverse(f"{base}_changelist"))
        assert listed.status_code == 200, model
        assert {row.pk for row in listed.context["cl"].result_list} == own, model._meta.label
        if other:
            # Django answers a row outside the admin's queryset with a redirect to the index ("does not exist")
            assert alice.get(reverse(f"{base}_change", args=[min(other)])).status_code == 302, model._meta.label
    assert Group.objects.filter(name="manager").exists()


def test_in_the_admin_a_row_of_a_site_the_user_only_views_is_read_only(farms, page):
    carol = page("carol")
    url = reverse("admin:infrastructure_container_change", args=[farms.b.tanks[0].pk])
    opened = carol.get(url)
    assert opened.status_code == 200 and opened.context["has_change_permission"] is False
    refused = carol.post(url, {"site": farms.b.site.pk, "name": "renamed", "kind": "TANK"})
    assert refused.status_code == 403
    farms.b.tanks[0].refresh_from_db()
    assert farms.b.tanks[0].name == "B tank 1"
    own = reverse("admin:infrastructure_container_change", args=[farms.a.tanks[0].pk])
    assert carol.get(own).context["has_change_permission"] is True
    # the choices of a related field are the sites where the user may write (carol only views site B)
    sites = carol.get(own).context["adminform"].form.fields["site"].queryset
    assert set(sites.values_list("pk", flat=True)) == {farms.a.site.pk}
    alice_sites = page("alice").get(own).context["adminform"].form.fields["site"].queryset
    assert set(alice_sites.values_list("pk", flat=True)) == {farms.a.site.pk}
