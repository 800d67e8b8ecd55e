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
