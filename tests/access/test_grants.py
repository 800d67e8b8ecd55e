"""Grants and what they give (docs/access.md): the scope of any mix of site, geography and all-sites grants
(a property test against a direct computation), the ungranted user, ``grant_sites``, the upgrade migration, a
model without a site path refused, and a scoped list's query count pinned."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.access.models import Geography, SiteGrant
from apps.access.roles import Role
from apps.access.scope import Undeclared, forget_scope, user_scope, visible_to
from apps.infrastructure.models import Container
from tests.factories import ContainerFactory, GrowthSampleFactory, SiteFactory

pytestmark = pytest.mark.django_db

ROLES = [r.group for r in Role]


@pytest.fixture
def four_sites(db, settings):
    settings.ACCESS_UNGRANTED_SEES_ALL = False
    sites = [SiteFactory(name=f"S{n}") for n in range(4)]
    for site in sites:
        ContainerFactory(site=site)
    north = Geography.objects.create(name="North")
    north.sites.set(sites[:2])
    south = Geography.objects.create(name="South")
    south.sites.set(sites[2:3])
    return sites, [north, south]


GRANT = st.tuples(st.sampled_from(["site", "geography", "all"]), st.integers(0, 3), st.sampled_from(ROLES))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grants=st.lists(GRANT, max_size=4), ceiling=st.sampled_from(ROLES))
def test_a_users_sites_and_roles_are_the_best_grant_covering_each_capped_by_their_group(
    four_sites, django_user_model, grants, ceiling
):
    sites, geographies = four_sites
    django_user_model.objects.filter(username="u").delete()
    user = django_user_model.objects.create_user("u")
    user.groups.add(Group.objects.get(name=ceiling))
    expected: dict[int, Role] = {}
    for kind, index, role in grants:
        scope = {"site": {"site": sites[index]}, "all": {"all_sites": True}}.get(kind)
        scope = scope or {"geography": geographies[index % 2]}
        if SiteGrant.objects.filter(user=user, **scope).exists():
            continue  # one grant per scope (a unique constraint)
        SiteGrant.objects.create(user=user, role=role, **scope)
        covered = {
            "site": [sites[index]],
            "all": sites,
            "geography": list(geographies[index % 2].sites.all()),
        }[kind]
        for site in covered:
            expected[site.pk] = max(expected.get(site.pk, Role.VIEWER), min(Role[role.upper()], Role[ceiling.upper()]))
    forget_scope(user)
    seen = set(visible_to(Container.objects.all(), user).values_list("site_id", flat=True))
    assert seen == set(expected)
    assert {s.pk: user_scope(user).role_at(s.pk) for s in sites if s.pk in expected} == expected


def test_a_user_with_a_role_but_no_grant_sees_no_site_and_a_superuser_every_site(four_sites, django_user_model):
    user = django_user_model.objects.create_user("plain")
    user.groups.add(Group.objects.get(name="manager"))
    assert not visible_to(Container.objects.all(), user).exists()
    root = django_user_model.objects.create_superuser("root", "r@example.com", "pw-long-enough")
    assert visible_to(Container.objects.all(), root).count() == 4


def test_in_the_legacy_mode_an_ungranted_user_sees_every_site(four_sites, django_user_model, settings):
    settings.ACCESS_UNGRANTED_SEES_ALL = True
    assert visible_to(Container.objects.all(), django_user_model.objects.create_user("old")).count() == 4


def test_grant_sites_grants_named_sites_geographies_or_all_and_raises_the_group_when_asked(
    four_sites, django_user_model
):
    sites, _ = four_sites
    user = django_user_model.objects.create_user("farmer")
    call_command("grant_sites", "farmer", "S0", "S1", "--role", "operator")
    assert sorted(SiteGrant.objects.filter(user=user).values_list("site__name", "role")) == [
        ("S0", "operator"),
        ("S1", "operator"),
    ]
    assert user.groups.filter(name="operator").exists()  # the grant's role was above the user's groups
    call_command("grant_sites", "farmer", "--geography", "South")
    call_command("grant_sites", "farmer", "S0", "--role", "viewer")  # updated, not doubled
    assert SiteGrant.objects.get(user=user, site=sites[0]).role == "viewer"
    forget_scope(user)
    assert set(visible_to(Container.objects.all(), user).values_list("site__name", flat=True)) == {"S0", "S1", "S2"}
    call_command("grant_sites", "farmer", "--all")
    forget_scope(user)
    assert visible_to(Container.objects.all(), user).count() == 4


@pytest.mark.parametrize(
    "args,message",
    [
        (["ghost", "S0"], "username: no user 'ghost'"),
        (["farmer"], "name at least one SITE_NAME"),
        (["farmer", "S0", "Atlantis"], "SITE_NAME: no site named 'Atlantis' (known: S0, S1, S2, S3)"),
        (["farmer", "--geography", "West"], "--geography: no geography named 'West'"),
    ],
)
def test_grant_sites_names_what_is_wrong_and_grants_nothing(four_sites, django_user_model, args, message):
    django_user_model.objects.create_user("farmer")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("grant_sites", *args)
    assert not SiteGrant.objects.exists()


def test_the_upgrade_migration_grants_all_sites_to_existing_users_with_their_groups_role(four_sites, django_user_model):
    from django.apps import apps

    migration = importlib.import_module("apps.access.migrations.0002_existing_users_keep_all_sites")
    manager = django_user_model.objects.create_user("m")
    manager.groups.add(Group.objects.get(name="manager"))
    viewer = django_user_model.objects.create_user("v")
    granted = django_user_model.objects.create_user("g")
    SiteGrant.objects.create(user=granted, site=four_sites[0][0], role="operator")
    django_user_model.objects.create_superuser("root", "r@example.com", "pw-long-enough")
    migration.grant_all_sites_to_existing_users(apps, None)
    assert sorted(SiteGrant.objects.values_list("user__username", "role", "all_sites")) == [
        ("g", "operator", False),  # already scoped: left as it was
        ("m", "manager", True),
        ("v", "viewer", True),
    ]
    assert visible_to(Container.objects.all(), viewer).count() == 4


def test_a_model_without_a_site_path_cannot_be_scoped(django_user_model):
    """What a new endpoint over a new model meets: the default filter backend raises until the model declares."""
    user = django_user_model.objects.create_user("x")
    with pytest.raises(Undeclared, match="auth.Group declares no site_path"):
        visible_to(Group.objects.all(), user)


def test_a_scoped_list_costs_the_same_queries_whatever_its_length(farms, api):
    """No query per row: the scope is one condition of the list's query (and two queries per request)."""

    def queries(client) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/batch/growth-samples/").status_code == 200
        return len(captured)

    alice, bob = api("alice"), api("bob")
    short = queries(alice)
    for day in range(4, 12):  # eight more samples at site A, one a day
        GrowthSampleFactory(assignment=farms.a.source, sample_date=farms.a.source.assignment_date + dt.timedelta(day))
    assert queries(api("alice")) == short
    assert queries(bob) == short


def test_the_demo_logins_are_one_operator_per_site_who_sees_only_it(four_sites, settings):
    from django.contrib.auth import get_user_model

    settings.AQUAMIND_EMBEDDED = True
    call_command("ensure_demo_user")
    call_command("ensure_demo_user")  # once: a second run changes nothing
    sites, _ = four_sites
    for site in sites:
        user = get_user_model().objects.get(username=f"site-{site.name.lower()}")
        assert user.check_password("demo-password") and user.groups.filter(name="operator").exists()
        assert list(SiteGrant.objects.filter(user=user).values_list("site_id", "role")) == [(site.pk, "operator")]
        assert set(visible_to(Container.objects.all(), user).values_list("site_id", flat=True)) == {site.pk}
    assert get_user_model().objects.get(username="demo").is_superuser
