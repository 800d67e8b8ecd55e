"""Issue 16, item 3: the per-address lockout stops password guessing from an address without refusing the
right password of a user who works there just because others failed from the same address (behind nginx or
an office NAT every client shares one address). A username that logged in from an address is trusted there
and judged by its own failures only; everyone else from a locked address is refused (docs/api.md,
"Throttling and lockout")."""

import time

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import errors_by_field

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"
PASSWORD = "pw-long-enough"
OFFICE = "10.0.0.7"  # the farm office's one public address (a NAT, or nginx in front)


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT_PER_IP, settings.LOGIN_LOCKOUT_SECONDS = 5, 50, 900


def token(username: str, password: str, address: str = OFFICE):
    return APIClient(REMOTE_ADDR=address).post(TOKEN, {"username": username, "password": password})


def assert_locked(response, at_most_seconds: int = 900) -> None:
    assert response.status_code == 429
    assert errors_by_field(response) == {None: "throttled"}
    assert 1 <= int(response["Retry-After"]) <= at_most_seconds


def fail_from(address: str, times: int, username: str | None = None) -> None:
    for n in range(times):
        token(username or f"guess-{n}", "wrong-guess", address)


def test_fifty_failures_by_others_from_an_address_do_not_refuse_a_user_who_logs_in_there(limits, make_user, client):
    operator = make_user("operator")
    assert token(operator.username, PASSWORD).status_code == 200  # yesterday, from the office
    fail_from(OFFICE, 55)  # someone at the same address sprays passwords over many usernames
    assert token(operator.username, PASSWORD).status_code == 200
    page = client.post(LOGIN, {"username": operator.username, "password": PASSWORD}, REMOTE_ADDR=OFFICE)
    assert page.status_code == 302 and client.session["_auth_user_id"] == str(operator.pk)


def test_the_sprayer_at_a_locked_address_is_refused_before_any_password_is_checked(limits, make_user):
    newcomer = make_user("viewer")  # has never logged in from the office
    fail_from(OFFICE, 50)
    assert_locked(token("guess-51", "wrong-guess"))
    assert_locked(token(newcomer.username, PASSWORD))  # the right password does not tell the sprayer anything
    assert token(newcomer.username, PASSWORD, address="10.0.0.8").status_code == 200  # elsewhere it works


def test_guessing_a_trusted_users_password_from_the_same_address_stops_at_the_username_limit(limits, make_user):
    operator = make_user("operator")
    assert token(operator.username, PASSWORD).status_code == 200
    fail_from(OFFICE, 50)
    for _ in range(5):
        assert token(operator.username, "wrong-guess").status_code == 400
    assert_locked(token(operator.username, "another-guess"))
    assert_locked(token(operator.username, PASSWORD))  # the pair is locked: the guesser shares the address


def test_the_per_username_limit_still_stops_guessing_from_many_addresses(limits, make_user):
    operator = make_user("operator")
    for n in range(5):
        assert token(operator.username, "wrong-guess", address=f"10.1.0.{n}").status_code == 400
    assert_locked(token(operator.username, PASSWORD, address="10.1.0.99"))


def test_a_username_locked_out_by_failures_elsewhere_still_logs_in_where_it_is_trusted(limits, make_user):
    operator = make_user("operator")
    assert token(operator.username, PASSWORD).status_code == 200
    for n in range(5):  # someone on the internet keeps the username locked out
        token(operator.username, "wrong-guess", address=f"203.0.113.{n}")
    assert_locked(token(operator.username, PASSWORD, address="203.0.113.50"))
    assert token(operator.username, PASSWORD).status_code == 200


def test_trust_ends_after_login_trusted_seconds_and_can_be_switched_off(limits, make_user, settings, monkeypatch):
    settings.LOGIN_TRUSTED_SECONDS = 3600
    operator = make_user("operator")
    assert token(operator.username, PASSWORD).status_code == 200
    later = time.time() + 3601  # the cache's expiry uses the same clock
    monkeypatch.setattr(time, "time", lambda: later)
    fail_from(OFFICE, 50)
    assert_locked(token(operator.username, PASSWORD))

    settings.LOGIN_TRUSTED_SECONDS = 0  # no trusted pairs: a locked address refuses everyone
    colleague = make_user("operator")
    assert token(colleague.username, PASSWORD, address="10.0.0.9").status_code == 200
    fail_from("10.0.0.9", 50)
    assert_locked(token(colleague.username, PASSWORD, address="10.0.0.9"))


def test_behind_nginx_each_client_is_judged_by_its_own_address(limits, make_user, settings, client):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}  # compose.nginx.yaml
    nginx = {"REMOTE_ADDR": "10.89.0.5"}  # every request comes from nginx, the client's address in X-Forwarded-For

    def via_nginx(username, password, client_address):
        api = APIClient(**nginx, HTTP_X_FORWARDED_FOR=client_address)
        return api.post(TOKEN, {"username": username, "password": password})

    for n in range(50):
        via_nginx(f"guess-{n}", "wrong-guess", "198.51.100.66")
    newcomer = make_user("viewer")
    assert via_nginx(newcomer.username, PASSWORD, "198.51.100.20").status_code == 200
    page = client.post(
        LOGIN, {"username": newcomer.username, "password": PASSWORD}, **nginx, HTTP_X_FORWARDED_FOR="198.51.100.21"
    )
    assert page.status_code == 302
    assert_locked(via_nginx("guess-51", "wrong-guess", "198.51.100.66"))
