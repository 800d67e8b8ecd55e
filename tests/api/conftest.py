"""Clients per role and a small farm for the API tests."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.batch.models import BatchContainerAssignment, RecomputeMarker, TransferAction
from apps.scenario.models import Scenario
from tests.batch.scenarios import START, farm_with_transfer

FIGURES = pytest.StashKey[str]()  # the schemathesis run's request counts (tests/api/test_schemathesis.py)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES in config.stash:
        terminalreporter.write_line(config.stash[FIGURES])


def day(n: int) -> dt.date:
    """Day ``n`` of the farm's batch (day 1 = START, 2024-01-01)."""
    return START + dt.timedelta(days=n - 1)


@dataclass
class Farm:
    scenario: Scenario
    source: BatchContainerAssignment  # days 1-29, 10,000 fish placed at 100 g
    dest: BatchContainerAssignment  # days 30-60, filled by the transfer
    transfer: TransferAction  # day 30: 9,000 alive + 10 dead in handling

    @property
    def batch(self):
        return self.scenario.batch


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def farm(salmon) -> Farm:
    scenario, source, dest, transfer = farm_with_transfer(days=60, transfer_day=30)
    RecomputeMarker.objects.all().delete()  # the set-up's own marks; tests look at what the API adds
    return Farm(scenario, source, dest, transfer)


@pytest.fixture
def make_user(django_user_model):
    def make(role: str | None, **extra):
        user = django_user_model.objects.create_user(f"{role or 'nobody'}-{django_user_model.objects.count()}", password="pw-long-enough", **extra)
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def client_as(make_user):
    """``client_as("operator")`` is an APIClient authenticated as a fresh user in that group."""

    def make(role: str | None = "viewer", **extra) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(role, **extra))
        return client

    return make


@pytest.fixture
def manager(client_as) -> APIClient:
    return client_as("manager")


@pytest.fixture
def operator(client_as) -> APIClient:
    return client_as("operator")


@pytest.fixture
def viewer(client_as) -> APIClient:
    return client_as("viewer")


def errors_by_field(response) -> dict:
    """``{field: code}`` of an error response (asserting the one error shape on the way)."""
    body = response.json()
    assert set(body) == {"errors"}, body
    assert all(set(e) == {"field", "code", "detail"} and e["detail"] for e in body["errors"]), body
    return {e["field"]: e["code"] for e in body["errors"]}
