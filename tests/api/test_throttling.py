"""Issue 9, case 4: writes are throttled per user, the token endpoint per address and per username, and
repeated failed logins lock the username out (the right password included), all answered 429 with
Retry-After; the limits come from the settings (generous in tests: tests/conftest.py)."""

import time

import pytest
from rest_framework.test import APIClient

from apps.batch.models import Species
from tests.api.conftest import errors_by_field

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
PASSWORD = "pw-long-enough"


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


def assert_throttled(response, at_most_seconds: int) -> None:
    assert response.status_code == 429
    assert errors_by_field(response) == {None: "throttled"}
    assert 1 <= int(response["Retry-After"]) <= at_most_seconds


def test_the_fourth_write_in_a_minute_is_refused_with_retry_after(client_as, rates):
    rates(write="3/min")
    admin, other = client_as("admin"), client_as("admin")
    for name in ("Trout", "Char", "Cod"):
        assert admin.post(f"{V1}/batch/species/", {"name": name}).status_code == 201
    assert_throttled(admin.post(f"{V1}/batch/species/", {"name": "Halibut"}), 60)
    assert not Species.objects.filter(name="Halibut").exists()
    assert admin.get(f"{V1}/batch/species/").status_code == 200  # reads are not throttled
    assert other.post(f"{V1}/batch/species/", {"name": "Halibut"}).status_code == 201  # per user


def test_the_token_endpoint_is_throttled_per_address(make_user, rates):
    rates(token_ip="2/min")
    users = [make_user("viewer") for _ in range(3)]
    answers = [
        APIClient().post(f"{V1}/auth/token/", {"username": u.username, "password": PASSWORD}).status_code for u in users
    ]
    assert answers[:2] == [200, 200]
    assert_throttled(APIClient().post(f"{V1}/auth/token/", {"username": users[2].username, "password": PASSWORD}), 60)


def test_the_token_endpoint_is_throttled_per_username_from_any_address(make_user, rates):
    rates(token_username="2/min")
    user = make_user("viewer")
    for address in ("10.0.0.1", "10.0.0.2"):
        assert (
            APIClient(REMOTE_ADDR=address)
            .post(f"{V1}/auth/token/", {"username": user.username, "password": PASSWORD})
            .status_code
            == 200
        )
    response = APIClient(REMOTE_ADDR="10.0.0.3").post(
        f"{V1}/auth/token/", {"username": user.username.upper(), "password": PASSWORD}
    )
    assert_throttled(response, 60)


def test_failed_token_requests_lock_the_username_out_even_for_the_right_password(make_user, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_SECONDS = 3, 600
    user = make_user("viewer")
    for _ in range(3):
        wrong = APIClient().post(f"{V1}/auth/token/", {"username": user.username, "password": "guess"})
        assert wrong.status_code == 400
    right = APIClient(REMOTE_ADDR="10.9.9.9").post(
        f"{V1}/auth/token/", {"username": user.username, "password": PASSWORD}
    )
    assert_throttled(right, 600)
    other = make_user("viewer")  # another username is not locked out
    assert APIClient().post(f"{V1}/auth/token/", {"username": other.username, "password": PASSWORD}).status_code == 200


def test_many_failures_from_one_address_lock_that_address_out(make_user, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 4
    for n in range(4):
        APIClient().post(f"{V1}/auth/token/", {"username": f"nobody-{n}", "password": "guess"})
    user = make_user("viewer")
    assert_throttled(APIClient().post(f"{V1}/auth/token/", {"username": user.username, "password": PASSWORD}), 900)
    assert (
        APIClient(REMOTE_ADDR="10.1.1.1")
        .post(f"{V1}/auth/token/", {"username": user.username, "password": PASSWORD})
        .status_code
        == 200
    )


def test_the_login_page_locks_out_after_repeated_failures(client, make_user, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_SECONDS = 3, 300
    user = make_user(None)
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": user.username, "password": "guess"}).status_code == 200
    locked = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429 and 1 <= int(locked["Retry-After"]) <= 300
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert not client.login(username=user.username, password=PASSWORD)  # the admin and every login path too


def test_the_lockout_ends_and_a_success_clears_the_count(client, make_user, settings, monkeypatch):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_SECONDS = 3, 300
    user = make_user(None)
    for _ in range(2):
        client.post("/accounts/login/", {"username": user.username, "password": "guess"})
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(2):  # two more failures: the count started again at 0, so no lockout yet
        client.post("/accounts/login/", {"username": user.username, "password": "guess"})
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(3):
        client.post("/accounts/login/", {"username": user.username, "password": "guess"})
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 429
    later = time.time() + 301  # LOGIN_LOCKOUT_SECONDS later (the cache's expiry uses the same clock)
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302


def test_a_cache_outage_lets_requests_through(client_as, rates, settings):
    rates(write="1/min")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    admin = client_as("admin")
    assert [admin.post(f"{V1}/batch/species/", {"name": n}).status_code for n in ("Trout", "Char")] == [201, 201]


def test_a_malformed_rate_stops_the_start_naming_it(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from aquamind.env import env_rate

    monkeypatch.setenv("THROTTLE_WRITE_RATE", "lots")
    with pytest.raises(ImproperlyConfigured, match="THROTTLE_WRITE_RATE='lots' is not a rate"):
        env_rate("THROTTLE_WRITE_RATE", "120/min")
    monkeypatch.setenv("THROTTLE_WRITE_RATE", "")
    assert env_rate("THROTTLE_WRITE_RATE", "120/min") is None
