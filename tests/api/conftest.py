"""Clients per role and a small farm for the API tests."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

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


@cache
def declared_400_codes() -> list[tuple[re.Pattern, str, frozenset]]:
    """(path pattern, method, the 400 codes its schema declares) for every operation."""
    from drf_spectacular.generators import SchemaGenerator

    out = []
    for path, operations in SchemaGenerator().get_schema(request=None, public=True)["paths"].items():
        pattern = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, operation in operations.items():
            answer = operation.get("responses", {}).get("400")
            if answer:
                codes = answer["content"]["application/json"]["schema"]["properties"]["errors"]["items"]["properties"][
                    "code"
                ]["enum"]
                out.append((pattern, method.upper(), frozenset(codes)))
    return out


@pytest.fixture(autouse=True)
def every_400_code_is_declared_by_its_operation(monkeypatch):
    """Issue 16, case 6: each 400 any test of tests/api provokes carries only codes that its operation's schema
    declares (the enum of its 400 response), so the list per operation is checked by every refusal tested."""
    request = APIClient.request

    def checked(self, **kwargs):
        response = request(self, **kwargs)
        path, method = kwargs.get("PATH_INFO", ""), kwargs.get("REQUEST_METHOD", "")
        if response.status_code == 400 and path.startswith("/api/v1/"):
            codes = {e["code"] for e in response.json()["errors"]}
            declared = [c for pattern, m, c in declared_400_codes() if m == method and pattern.match(path)]
            assert declared, f"{method} {path} answered 400, which its schema does not declare"
            assert codes <= declared[0], f"{method} {path}: 400 codes {sorted(codes - declared[0])} not declared"
        return response

    monkeypatch.setattr(APIClient, "request", checked)


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


@pytest.fixture
def farm(salmon) -> Farm:
    scenario, source, dest, transfer = farm_with_transfer(days=60, transfer_day=30)
    RecomputeMarker.objects.all().delete()  # the set-up's own marks; tests look at what the API adds
    return Farm(scenario, source, dest, transfer)


@pytest.fixture
def make_user(django_user_model):
    def make(role: str | None, **extra):
        user = django_user_model.objects.create_user(
            f"{role or 'nobody'}-{django_user_model.objects.count()}", password="pw-long-enough", **extra
        )
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
