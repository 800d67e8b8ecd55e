"""The OpenAPI schema and its browsable UI (served without any CDN)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_with_the_spec_paths(viewer):
    response = viewer.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/batch/batches/{id}/combined-growth-data/",
        "/api/v1/batch/batches/{id}/recompute-daily-states/",
        "/api/v1/batch/batches/{id}/pin-scenario/",
        "/api/v1/batch/batches/{id}/recompute-status/",
        "/api/v1/batch/growth-samples/",
        "/api/v1/environmental/readings/{id}/",
        "/api/v1/scenario/scenarios/",
        "/api/v1/auth/token/",
    ):
        assert path in schema["paths"], path
    recompute = schema["paths"]["/api/v1/batch/batches/{id}/recompute-daily-states/"]["post"]
    assert set(recompute["responses"]) >= {"202", "400", "401", "403", "404"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["errors"]


def test_the_schema_needs_authentication():
    assert APIClient().get("/api/schema/").status_code == 401


def test_the_docs_page_uses_the_bundled_swagger_ui(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="pw-long-enough"))
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "/static/drf_spectacular_sidecar/" in page and "cdn" not in page.lower()


def schema_of(client) -> dict:
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_every_operation_documents_the_statuses_it_can_answer(viewer):
    """Issue 9, case 8: 404 "Invalid page" (now a 400), 413, 414 and 429 were undocumented."""
    paths = schema_of(viewer)["paths"]
    assert set(paths["/api/v1/batch/growth-samples/"]["post"]["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "413",
        "414",
        "415",
        "422",
        "429",
        "503",
    }
    assert set(paths["/api/v1/batch/growth-samples/"]["get"]["responses"]) == {"200", "400", "401", "403", "414", "503"}
    assert set(paths["/api/v1/batch/growth-samples/{id}/"]["delete"]["responses"]) == {
        "204",
        "400",
        "401",
        "403",
        "404",
        "409",
        "414",
        "422",
        "429",
        "503",
    }
    throttled = paths["/api/v1/auth/token/"]["post"]["responses"]["429"]
    assert throttled["headers"]["Retry-After"]["required"] is True
    unavailable = paths["/api/v1/batch/growth-samples/"]["get"]["responses"]["503"]
    assert unavailable["headers"]["Retry-After"]["required"] is True


def test_writes_declare_the_idempotency_key_header_and_the_token_endpoint_does_not(viewer):
    paths = schema_of(viewer)["paths"]
    headers = [p["name"] for p in paths["/api/v1/batch/mortality-events/"]["post"]["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]
    token = paths["/api/v1/auth/token/"]["post"]
    assert "422" not in token["responses"] and not any(p["in"] == "header" for p in token.get("parameters", []))


def test_id_filters_and_pagination_declare_their_bounds(viewer):
    """Issue 9, case 8: id filters refused 0 although the schema declared no minimum."""
    parameters = {
        p["name"]: p["schema"] for p in schema_of(viewer)["paths"]["/api/v1/batch/growth-samples/"]["get"]["parameters"]
    }
    assert parameters["batch"] == {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    assert (parameters["page_size"]["minimum"], parameters["page_size"]["maximum"]) == (1, 1000)
    assert parameters["page"]["minimum"] == 1 and parameters["date_from"]["format"] == "date"
