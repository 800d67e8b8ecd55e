"""Authentication (session and token), roles, 404s and malformed input."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.batch.models import GrowthSample, Species
from tests.api.conftest import errors_by_field

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_an_anonymous_request_gets_401_with_the_token_challenge(farm):
    for response in (APIClient().get(f"{V1}/batch/batches/"), APIClient().post(f"{V1}/batch/growth-samples/", {})):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert errors_by_field(response) == {None: "not_authenticated"}


def test_a_bad_token_gets_401(farm):
    client = APIClient(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.get(f"{V1}/batch/batches/").status_code == 401


def test_a_token_from_the_token_endpoint_authenticates(make_user, farm):
    user = make_user("viewer")
    token = APIClient().post(
        f"{V1}/auth/token/", {"username": user.username, "password": "pw-long-enough"}, format="json"
    )
    assert token.status_code == 200 and token.json()["token"] == Token.objects.get(user=user).key
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.get(f"{V1}/batch/batches/").json()["count"] == 1


def test_wrong_credentials_get_400_in_the_error_shape(make_user):
    user = make_user("viewer")
    response = APIClient().post(f"{V1}/auth/token/", {"username": user.username, "password": "wrong"}, format="json")
    assert response.status_code == 400 and errors_by_field(response) == {None: "authorization"}


def test_the_token_endpoint_reads_json_only(make_user):
    """Issue 16, case 6: one request content type, so a generated client's token module has one body type."""
    user = make_user("viewer")
    form = APIClient().post(
        f"{V1}/auth/token/", {"username": user.username, "password": "pw-long-enough"}, format="multipart"
    )
    assert form.status_code == 415 and errors_by_field(form) == {None: "unsupported_media_type"}
    assert not Token.objects.exists()


def test_a_bearer_prefix_gets_401_with_the_token_challenge(make_user, farm):
    key = Token.objects.create(user=make_user("viewer")).key
    response = APIClient(HTTP_AUTHORIZATION=f"Bearer {key}").get(f"{V1}/batch/batches/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(f"{V1}/batch/batches/").status_code == 200


def test_the_schema_names_the_token_prefix_and_one_body_type(viewer):
    schema = viewer.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "`Authorization: Token <key>`" in scheme["description"] and "not `Bearer`" in scheme["description"]
    assert list(schema["paths"][f"{V1}/auth/token/"]["post"]["requestBody"]["content"]) == ["application/json"]
    challenge = schema["paths"][f"{V1}/batch/batches/"]["get"]["responses"]["401"]["headers"]["WWW-Authenticate"]
    assert challenge["schema"]["enum"] == ["Token"]


def test_a_session_login_authenticates(client, make_user, farm):
    client.force_login(make_user(None))
    assert client.get(f"{V1}/batch/batches/").status_code == 200


def sample(farm) -> dict:
    return {"assignment": farm.source.pk, "sample_date": "2024-01-14", "sample_size": 30, "avg_weight_g": "125.00"}


@pytest.mark.parametrize(
    "role, can_read, can_record, can_manage, can_administer",
    [
        (None, True, False, False, False),  # no group: a viewer
        ("viewer", True, False, False, False),
        ("operator", True, True, False, False),
        ("manager", True, True, True, False),
        ("admin", True, True, True, True),
    ],
)
def test_each_role_may_do_what_it_is_for(client_as, farm, role, can_read, can_record, can_manage, can_administer):
    client = client_as(role)
    expect = lambda allowed, ok: ok if allowed else 403  # noqa: E731
    assert client.get(f"{V1}/batch/growth-samples/").status_code == expect(can_read, 200)
    assert client.post(f"{V1}/batch/growth-samples/", sample(farm)).status_code == expect(can_record, 201)
    recompute = client.post(f"{V1}/batch/batches/{farm.batch.pk}/recompute-daily-states/", {"start_date": "2024-01-10"})
    assert recompute.status_code == expect(can_manage, 202)
    pin = client.post(f"{V1}/batch/batches/{farm.batch.pk}/pin-scenario/", {"scenario_id": farm.scenario.pk})
    assert pin.status_code == expect(can_manage, 200)
    assert client.patch(f"{V1}/batch/batches/{farm.batch.pk}/", {"notes": "checked"}).status_code == expect(
        can_manage, 200
    )
    assert client.post(f"{V1}/batch/species/", {"name": "Rainbow trout"}).status_code == expect(can_administer, 201)
    assert client.get(f"{V1}/batch/batches/{farm.batch.pk}/recompute-status/").status_code == 200


def test_a_refused_write_says_which_role_it_needs_and_saves_nothing(viewer, farm):
    response = viewer.post(f"{V1}/batch/growth-samples/", sample(farm))
    assert response.status_code == 403
    assert response.json()["errors"] == [
        {"field": None, "code": "permission_denied", "detail": "This needs the operator role."}
    ]
    assert not GrowthSample.objects.exists()


def test_a_superuser_is_an_admin(client_as):
    assert client_as(None, is_superuser=True).post(f"{V1}/batch/species/", {"name": "Arctic char"}).status_code == 201
    assert Species.objects.get().name == "Arctic char"


@pytest.mark.parametrize(
    "path",
    [
        "batch/batches/999999/",
        "batch/batches/abc/",
        "batch/batches/99999999999999999999999/",
        "batch/batches/999999/recompute-status/",
        "batch/batches/999999/combined-growth-data/",
        "batch/growth-samples/999999/",
        "scenario/scenarios/999999/",
        "no/such/endpoint/",
    ],
)
def test_unknown_ids_and_paths_in_urls_get_a_json_404(viewer, farm, path):
    response = viewer.get(f"{V1}/{path}")
    assert response.status_code == 404 and errors_by_field(response) == {None: "not_found"}


def test_an_action_on_an_unknown_batch_is_404(manager, farm):
    response = manager.post(f"{V1}/batch/batches/999999/recompute-daily-states/", {"start_date": "2024-01-10"})
    assert response.status_code == 404


@pytest.mark.parametrize("body", ['{"assignment": 1,', "not json", '{"avg_weight_g": NaN}', "[1, 2]", ""])
def test_malformed_json_gets_400_and_saves_nothing(operator, farm, body):
    response = operator.generic("POST", f"{V1}/batch/growth-samples/", body, content_type="application/json")
    assert response.status_code == 400
    assert set(errors_by_field(response)) <= {None, "assignment", "sample_date", "sample_size", "avg_weight_g"}
    assert not GrowthSample.objects.exists()


def test_a_body_that_is_not_json_gets_415(operator, farm):
    response = operator.generic(
        "POST", f"{V1}/batch/growth-samples/", "a=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and errors_by_field(response) == {None: "unsupported_media_type"}
