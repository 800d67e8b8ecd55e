"""Issue 16, case 6: the growth data's nested objects are typed in the schema, and real answers match it.

Each shape of ``combined-growth-data`` is checked against the schema by schemathesis's response validation, for a
batch holding fish today (so the projection and the forecast are there, not null)."""

import datetime as dt
from decimal import Decimal

import httpx
import pytest
import schemathesis
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from apps.recompute.run import batch_recompute
from tests.factories import (
    AssignmentFactory,
    GrowthSampleFactory,
    ScenarioFactory,
    TreatmentFactory,
)

pytestmark = pytest.mark.django_db
PATH = "/api/v1/batch/batches/{id}/combined-growth-data/"


@pytest.fixture(scope="module")
def operation():
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    return schema[PATH]["GET"]


@pytest.fixture
def open_batch(salmon):
    """A batch holding fish today: placed 60 days ago, weighed and treated, so every series has rows."""
    start = timezone.localdate() - dt.timedelta(days=59)
    scenario = ScenarioFactory(batch__start_date=start)
    tank = AssignmentFactory(batch=scenario.batch, assignment_date=start)
    GrowthSampleFactory(assignment=tank, sample_date=start + dt.timedelta(days=30), avg_weight_g=Decimal("130.00"))
    TreatmentFactory(assignment=tank, treatment_date=start + dt.timedelta(days=20))
    batch_recompute(batch_id=scenario.batch_id)
    return scenario.batch, tank


def as_httpx(response, url: str) -> httpx.Response:
    answer = httpx.Response(
        response.status_code,
        headers=dict(response.headers),
        content=response.content,
        request=httpx.Request("GET", url),
    )
    answer.elapsed = dt.timedelta(0)
    return answer


@pytest.mark.parametrize(
    "query",
    [{}, {"granularity": "weekly"}, {"shape": "columnar", "include_states": "true"}, {"shape": "columnar", "granularity": "weekly"},
     {"shape": "columnar", "assignment_id": "TANK"}],
)  # fmt: skip
def test_every_shape_of_the_growth_data_conforms_to_its_typed_schema(viewer, open_batch, operation, query):
    batch, tank = open_batch
    query = {k: (str(tank.pk) if v == "TANK" else v) for k, v in query.items()}
    url = PATH.format(id=batch.pk)
    response = viewer.get(url, query)
    assert response.status_code == 200
    body = response.json()
    assert body["batch_totals"] and body["growth_samples"] and body["scenario"]
    assert (body.get("forecast") or body.get("projection", {}).get("total")) is not None
    operation.validate_response(as_httpx(response, f"http://testserver{url}"))


def test_no_nested_object_of_the_growth_data_is_left_untyped(operation):
    """Every object in either shape lists its properties (or types its values): nothing a client sees as Any."""
    components = operation.schema.raw_schema["components"]["schemas"]
    untyped = []

    def walk(node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    walk(components[name], name)
                return
            if (
                node.get("type") == "object"
                and not node.get("properties")
                and not isinstance(node.get("additionalProperties"), dict)
            ):
                untyped.append(where)
            if node.get("type") is None and not ({"allOf", "oneOf", "anyOf", "enum"} & set(node)) and where != "root":
                untyped.append(where)
            for key, child in node.items():
                if key in {"properties"}:
                    for name, prop in child.items():
                        walk(prop, f"{where}.{name}")
                elif key in {"items", "additionalProperties", "allOf", "oneOf", "anyOf"}:
                    for part in child if isinstance(child, list) else [child]:
                        walk(part, f"{where}[{key}]")

    seen: set[str] = set()
    walk(operation.definition.raw["responses"]["200"]["content"]["application/json"]["schema"], "root")
    assert (
        untyped == [] and {"GrowthRows", "GrowthColumns", "DailyStateRow", "TransferMarker", "ForecastColumns"} <= seen
    )
