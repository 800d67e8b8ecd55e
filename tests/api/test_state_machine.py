"""The invariant through the REST API only (a smaller state machine than tests/batch/test_state_machine.py):
random creates, edits and deletes of samples, deaths, feed, treatments, readings, transfers and assignment
departures as a manager would send them; refused requests must leave nothing behind; after every drain the
stored rows equal a full recompute."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from rest_framework.test import APIClient

from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, drain_all_batches, farm_with_transfer, state_rows
from tests.factories import temperature_parameter

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
EXAMPLES = int(os.environ.get("AQUAMIND_STATEFUL_EXAMPLES", "30")) // 3 or 1
ENDPOINTS = {
    "sample": "batch/growth-samples",
    "mortality": "batch/mortality-events",
    "feeding": "inventory/feeding-events",
    "treatment": "health/treatments",
    "reading": "environmental/readings",
}
DATE_FIELD = {
    "sample": "sample_date",
    "mortality": "event_date",
    "feeding": "feeding_date",
    "treatment": "treatment_date",
}
days = st.integers(1, 60)
picks = st.integers(0, 10_000)


def day(n: int) -> str:
    return (START + dt.timedelta(days=n - 1)).isoformat()


class ApiEdits(RuleBasedStateMachine):
    @initialize()
    def farm(self):
        self.scenario, self.source, self.dest, self.transfer = farm_with_transfer(days=60, transfer_day=30)
        user = User.objects.create_user(f"manager-{User.objects.count()}", password="pw-long-enough")
        user.groups.add(Group.objects.get(name="manager"))
        self.api = APIClient()
        self.api.force_authenticate(user)
        self.assignments = [self.source.pk, self.dest.pk]
        self.containers = [self.source.container_id, self.dest.container_id]
        self.created: dict[str, list[int]] = {kind: [] for kind in ENDPOINTS}
        self.drain()

    def send(self, method: str, path: str, body: dict | None = None):
        response = getattr(self.api, method)(f"{V1}/{path}", body, format="json")
        assert response.status_code < 500, (method, path, body, response.content[:500])
        return response

    def body(self, kind: str, n: int, d: int, value: int) -> dict:
        assignment = self.assignments[n % 2]
        if kind == "sample":
            return {
                "assignment": assignment,
                "sample_date": day(d),
                "sample_size": value % 40 + 1,
                "avg_weight_g": str(60 + value % 300),
            }
        if kind == "mortality":
            return {"assignment": assignment, "event_date": day(d), "count": value % 90 + 1}
        if kind == "feeding":
            return {"assignment": assignment, "feeding_date": day(d), "amount_kg": str(value % 500 + 1)}
        if kind == "treatment":
            return {
                "assignment": assignment,
                "treatment_date": day(d),
                "treatment_type": "VACCINATION",
                "includes_weighing": True,
                "weighed_count": 40,
                "weighed_avg_weight_g": str(70 + value % 200),
            }
        return {
            "container": self.containers[n % 2],
            "parameter": temperature_parameter().pk,
            "reading_time": f"{day(d)}T{value % 24:02d}:00:00Z",
            "value": float(value % 16),
        }

    @rule(kind=st.sampled_from(sorted(ENDPOINTS)), n=picks, d=days, value=picks)
    def create(self, kind, n, d, value):
        response = self.send("post", f"{ENDPOINTS[kind]}/", self.body(kind, n, d, value))
        if response.status_code == 201:
            self.created[kind].append(response.json()["id"])

    @rule(kind=st.sampled_from(sorted(ENDPOINTS)), i=picks, n=picks, d=days, value=picks)
    def update(self, kind, i, n, d, value):
        if self.created[kind]:
            pk = self.created[kind][i % len(self.created[kind])]
            self.send("put", f"{ENDPOINTS[kind]}/{pk}/", self.body(kind, n, d, value))

    @rule(kind=st.sampled_from(sorted(ENDPOINTS)), i=picks)
    def delete(self, kind, i):
        if self.created[kind]:
            pk = self.created[kind].pop(i % len(self.created[kind]))
            self.send("delete", f"{ENDPOINTS[kind]}/{pk}/")

    @rule(d=st.integers(25, 35), status=st.sampled_from(["COMPLETED", "PENDING"]), count=st.integers(100, 9000))
    def edit_transfer(self, d, status, count):
        self.send(
            "patch",
            f"batch/transfers/{self.transfer.pk}/",
            {"status": status, "actual_execution_date": day(d), "transferred_count": count},
        )

    @rule(d=st.integers(31, 61))
    def move_departure(self, d):
        self.send("patch", f"batch/assignments/{self.dest.pk}/", {"departure_date": day(d)})

    @rule()
    def drain(self):
        drain_all_batches()
        drained = state_rows(self.scenario.batch_id)
        batch_recompute(batch_id=self.scenario.batch_id, trigger="test_full")
        assert drained == state_rows(self.scenario.batch_id)

    def teardown(self):
        self.drain()


def test_stored_states_equal_a_full_recompute_after_any_sequence_of_api_requests(salmon):
    run_state_machine_as_test(
        ApiEdits,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
