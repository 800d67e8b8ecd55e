"""Schemathesis against the API's own schema, in process (WSGI): no generated request, valid or not, may be
answered with a 5xx. Generated integer ids are pointed at a stored row of the resource, so updates and deletes
reach the validation and the database. Bounded examples per operation keep it to a few seconds."""
import datetime as dt
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from apps.api.urls import router
from apps.batch.services.recompute import batch_recompute
from apps.inventory.models import Feed
from apps.scenario.models import FCRModel
from tests.api.conftest import day
from tests.factories import FeedingEventFactory, GrowthSampleFactory, MortalityEventFactory, TreatmentFactory, reading

# A deeper run: API_FUZZ_EXAMPLES=100 pytest tests/api/test_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "4"))
# Fuzzing only (the coverage phase's boundary cases are not bounded by max_examples), with a fixed seed
CONFIG = SchemathesisConfig.from_dict({"seed": 20261128, "phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
schema.app = get_wsgi_application()
MODELS = {f"/api/v1/{prefix}/": viewset.queryset.model for prefix, viewset, _ in router.registry}


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """Like Django's test client: the WSGI handler must not close the connection holding the test transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def stored_rows(farm):
    """At least one row of every resource."""
    GrowthSampleFactory(assignment=farm.source, sample_date=day(10))
    MortalityEventFactory(assignment=farm.source, event_date=day(11))
    FeedingEventFactory(assignment=farm.source, feeding_date=day(12), feed=Feed.objects.create(name="Pellet 3 mm"))
    TreatmentFactory(assignment=farm.source, treatment_date=day(13))
    reading(farm.source.container, dt.datetime(2024, 1, 5, 8, tzinfo=dt.timezone.utc), 7.9)
    FCRModel.objects.create(name="FCR 1.1")
    batch_recompute(batch_id=farm.batch.pk, today=dt.date(2024, 3, 1))


@pytest.fixture
def admin_token(django_user_model, stored_rows) -> str:
    user = django_user_model.objects.create_user("fuzzer", is_superuser=True)
    return Token.objects.create(user=user).key


def point_at_a_stored_row(case) -> None:
    if isinstance((case.path_parameters or {}).get("id"), int):
        model = next(m for prefix, m in MODELS.items() if case.path.startswith(prefix))
        stored = model.objects.order_by("pk").values_list("pk", flat=True).first()
        if stored is not None:
            case.path_parameters["id"] = stored


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_no_generated_request_makes_a_server_error(case, admin_token):
    point_at_a_stored_row(case)
    case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=[not_a_server_error])
