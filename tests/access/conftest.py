"""Two sites with a whole farm each, and users scoped to them (docs/access.md).

Site A and site B each hold one batch that never leaves its site: a tank placed on START and moved into a
second tank of the same site, with a sample, a death, a feeding, a treatment, a reading, a planned activity and
its computed daily states, segments and projections. ``alice`` manages site A only, ``bob`` site B only,
``carol`` manages site A and may only view site B. The truth of which site a row belongs to is read from the
fixture's own objects (``SiteTruth``), not from the models' declared site paths."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.access.models import SiteGrant
from apps.alerts.models import Alert, AlertKind
from apps.batch.models import GrowthSampleCast, RecomputeMarker
from apps.planning.models import PlannedActivity
from tests.batch.scenarios import drain_all_batches
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    FeedingEventFactory,
    GrowthSampleFactory,
    MortalityEventFactory,
    ScenarioFactory,
    SiteFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    TransferFactory,
    TreatmentFactory,
    reading,
    stage,
)

DAYS = 20
START = timezone.localdate() - dt.timedelta(days=DAYS)  # recent: the states run to today, a short list
MOVE = START + dt.timedelta(days=9)


@dataclass
class SiteFarm:
    site: object
    tanks: list
    scenario: object
    source: object
    dest: object
    transfer: object
    activity: object

    @property
    def batch(self):
        return self.scenario.batch


@dataclass
class Farms:
    a: SiteFarm
    b: SiteFarm
    batch_site: dict[int, int] = field(default_factory=dict)

    def of(self, name: str) -> SiteFarm:
        return getattr(self, name)


def site_farm(name: str) -> SiteFarm:
    site = SiteFactory(name=f"Site {name}")
    tanks = [ContainerFactory(site=site, name=f"{name} tank {n}") for n in (1, 2)]
    profile = TemperatureProfileFactory(days={1: 8.0, 365: 12.0})
    scenario = ScenarioFactory(
        tgc_model=TGCModelFactory(profile=profile), batch__start_date=START, batch__batch_number=f"B-{name}"
    )
    source = AssignmentFactory(
        batch=scenario.batch,
        container=tanks[0],
        assignment_date=START,
        departure_date=MOVE,
        lifecycle_stage=stage("Smolt"),
    )
    dest = AssignmentFactory(
        batch=scenario.batch, container=tanks[1], assignment_date=MOVE, departure_date=None,
        placement_count=None, placement_avg_weight_g=None, lifecycle_stage=stage("Smolt"),
    )  # fmt: skip
    transfer = TransferFactory(
        source_assignment=source, dest_assignment=dest, actual_execution_date=MOVE, transferred_count=9_000
    )
    day3 = START + dt.timedelta(days=2)
    sample = GrowthSampleFactory(assignment=source, sample_date=day3)
    GrowthSampleCast.objects.create(sample=sample, fish_weighed=sample.sample_size, avg_weight_g=sample.avg_weight_g)
    Alert.objects.create(
        kind=AlertKind.MORTALITY_SPIKE,
        key=f"spike:{name}",
        title=f"spike at {name}",
        site=site,
        raised_at=timezone.now(),
    )
    MortalityEventFactory(assignment=source, event_date=day3)
    FeedingEventFactory(assignment=source, feeding_date=day3)
    TreatmentFactory(assignment=source, treatment_date=day3)
    reading(tanks[0], dt.datetime.combine(day3, dt.time(8), tzinfo=dt.UTC), 9.5)
    activity = PlannedActivity.objects.create(
        activity_type=PlannedActivity.Type.SAMPLING, batch=scenario.batch, assignment=dest,
        due_date=START + dt.timedelta(days=DAYS),
    )  # fmt: skip
    return SiteFarm(site, tanks, scenario, source, dest, transfer, activity)


@pytest.fixture
def farms(salmon, settings) -> Farms:
    settings.ACCESS_UNGRANTED_SEES_ALL = False
    built = Farms(a=site_farm("A"), b=site_farm("B"))
    drain_all_batches()
    built.batch_site = {built.a.batch.pk: built.a.site.pk, built.b.batch.pk: built.b.site.pk}
    RecomputeMarker.objects.all().delete()
    return built


@pytest.fixture
def users(farms, django_user_model) -> dict:
    """alice: manager of A; bob: manager of B; carol: manager of A, viewer of B; nobody: a manager without grants."""

    def make(name: str, grants: list[tuple[object, str]], **extra):
        user = django_user_model.objects.create_user(name, password="pw-long-enough", **extra)
        user.groups.add(Group.objects.get(name="manager"))
        for site, role in grants:
            SiteGrant.objects.create(user=user, site=site, role=role)
        return user

    return {
        "alice": make("alice", [(farms.a.site, "manager")], is_staff=True),
        "bob": make("bob", [(farms.b.site, "manager")], is_staff=True),
        "carol": make("carol", [(farms.a.site, "manager"), (farms.b.site, "viewer")], is_staff=True),
        "nobody": make("nobody", [], is_staff=True),
    }


@pytest.fixture
def api(users):
    """``api("alice")``: an APIClient authenticated as that user (a fresh user object, so a fresh scope)."""

    def make(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(type(users[name]).objects.get(pk=users[name].pk))
        return client

    return make


@pytest.fixture
def page(users):
    """``page("alice")``: a browser-like Client logged in as that user (the pages, not the API)."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(users[name])
        return client

    return make
