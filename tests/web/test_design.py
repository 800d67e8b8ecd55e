"""The pages' frame (issue 21): every page has the viewport tag, the favicon, Bootstrap from this server and the menu
(whose status link is the human status page, not /health/'s JSON); a missing page, a refusal and a server error are
pages of ours with the menu and links on, while the API keeps its JSON errors; the status page says in words what
/health/ says in JSON."""

import re
from html.parser import HTMLParser

import pytest
from django.test import RequestFactory

from apps.api.views.misc import page_not_found, permission_denied, server_error
from tests.factories import AssignmentFactory, ContainerFactory
from tests.web.test_csp import inline_parts

PARTS = {
    "database": "Database", "broker": "Message broker", "worker": "Recompute worker",
    "recompute": "Recompute work (pending and parked)", "verification": "Nightly verification",
}  # fmt: skip


class Frame(HTMLParser):
    """What the frame holds: the head's meta and link tags, the scripts, and the menu's links."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.scripts, self.menu, self._nav = {}, [], [], [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "name" in a:
            self.meta[a["name"]] = a["content"]
        elif tag == "link":
            self.links.append((a.get("rel"), a.get("href")))
        elif tag == "script":
            self.scripts.append(a.get("src"))
        elif tag == "nav":
            self._nav = True
        elif tag == "a" and self._nav:
            self.menu.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav = False


def frame(html: str) -> Frame:
    parsed = Frame()
    parsed.feed(html)
    return parsed


def assert_framed(html: str) -> None:
    """The viewport, the favicon, Bootstrap's style sheet and script bundle from /static/, the menu with the status
    page (never /health/), and nothing inline that the Content-Security-Policy would refuse."""
    f = frame(html)
    assert f.meta["viewport"] == "width=device-width, initial-scale=1"
    assert ("icon", "/static/web/favicon.svg") in f.links
    assert ("stylesheet", "/static/web/vendor/bootstrap.min.css") in f.links
    assert ("stylesheet", "/static/web/site.css") in f.links
    assert "/static/web/vendor/bootstrap.bundle.min.js" in f.scripts
    assert all(src and src.startswith("/static/") for src in f.scripts)  # nothing from a CDN
    assert {"/", "/batches/", "/status/", "/admin/"} <= set(f.menu) and "/health/" not in f.menu
    assert inline_parts(html) == []


@pytest.mark.django_db
def test_every_page_has_the_frame(user_client, salmon):
    held = AssignmentFactory()
    for url in ("/", "/batches/", f"/batches/{held.batch_id}/growth/", f"/containers/{held.container_id}/", "/status/"):
        response = user_client.get(url)
        assert response.status_code in (200, 503), url  # the status page answers 503 while a part is failing
        assert_framed(response.content.decode())
    user_client.logout()
    assert_framed(user_client.get("/accounts/login/").content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/batches/9999/growth/", "/containers/999999/", "/no-such-page/", "/batches/3/"])
def test_a_missing_page_is_ours_with_the_menu_and_where_to_go(user_client, salmon, url):
    response = user_client.get(url)
    html = response.content.decode()
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert_framed(html)
    assert "There is no such page" in html and f"<code>{url}</code>" in html
    assert 'href="/" class="btn btn-primary">Farm overview</a>' in html and 'href="/batches/"' in html


@pytest.mark.django_db
def test_the_missing_pages_address_is_text(user_client, salmon):
    html = user_client.get("/x/%3Cimg%20src=x%20onerror=alert(1)%3E/").content.decode()
    assert "<img src=x" not in html and "<code>/x/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/</code>" in html


@pytest.mark.django_db
def test_the_api_keeps_its_json_errors(user_client, salmon):
    for url in ("/api/v1/no-such-endpoint/", "/api/v1/batch/batches/999999/"):
        response = user_client.get(url)
        assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found", url
    request = RequestFactory().get("/api/v1/batch/batches/")
    assert permission_denied(request).status_code == 403
    assert b'"code": "permission_denied"' in permission_denied(request).content
    assert page_not_found(RequestFactory().get("/api/v1/x/")).status_code == 404


@pytest.mark.django_db
def test_a_refusal_and_a_server_error_are_pages_of_ours(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/batches/")
    request.user = AnonymousUser()
    refused = permission_denied(request)
    assert refused.status_code == 403 and "You may not open this page" in refused.content.decode()
    assert_framed(refused.content.decode())
    with django_assert_num_queries(0):  # no database: it may be what failed
        failed = server_error(RequestFactory().get("/batches/"))
    html = failed.content.decode()
    assert failed.status_code == 500 and "Something went wrong on our side" in html
    assert_framed(html)


@pytest.mark.django_db
def test_the_status_page_says_in_words_what_health_says_in_json(admin_client, user_client):
    states = {"ok": "working", "degraded": "needs attention", "failing": "failing"}
    for client, details in ((admin_client, True), (user_client, False)):
        machine = client.get("/health/")
        page = client.get("/status/")
        body, html = machine.json(), page.content.decode()
        assert page.status_code == machine.status_code
        assert f"AquaMind is {states[body['status']]}" in html
        rows = re.findall(r"<tr><td>([^<]+)</td><td><span class=\"badge state-[a-z-]+\">([a-z ]+)</span>", html)
        expected = [
            (PARTS[name], "failing" if not part["ok"] else "needs attention" if part.get("degraded") else "working")
            for name, part in body.items()
            if name in PARTS
        ]
        assert sorted(rows) == sorted(expected)
        assert ('class="details"' in html) is details  # the details for staff only, as in the JSON
        assert 'href="/health/"' in html  # the machine-readable report is one link away


@pytest.mark.django_db
def test_the_status_page_needs_a_login(client):
    response = client.get("/status/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_favicon_is_served(client):
    response = client.get("/static/web/favicon.svg")
    assert response.status_code == 200 and b"<svg" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_the_container_page_shows_its_key_figures_as_cards(user_client, salmon):
    from apps.web.reads.container_detail import container_detail
    from apps.web.templatetags.figures import num

    held = AssignmentFactory(container=ContainerFactory())
    html = user_client.get(f"/containers/{held.container_id}/").content.decode()
    detail = container_detail(
        container=held.container, today=__import__("django.utils.timezone").utils.timezone.localdate()
    )
    figures = detail.current[0].figures
    cards = re.findall(
        r'<div class="value">([^<]+?)(?: <small[^>]*>([^<]+)</small>)?</div><div class="label">([^<]+)</div>', html
    )
    assert ("Fish", num(figures.fish)) in [(label, value) for value, _, label in cards]
    assert [label for _, _, label in cards] == [
        "Fish", "Average weight", "Biomass", "Density", "Since the last sample", "Mortality 30 d", "FCR 30 d",
    ]  # fmt: skip
