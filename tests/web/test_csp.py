"""The Content-Security-Policy: every page, the admin, Swagger UI and the browsable API carry it, the policy allows no
inline script or style and nothing from elsewhere, and no page holds an inline script, an inline style element or a
style attribute (which the policy would refuse). The report endpoint logs each violation as one JSON line and
answers 204, and refuses what is not a report, too large or too many, without the database."""

import json
import logging
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from apps.api.csp import FIELD_MAX_CHARS, REPORT_MAX_BYTES, REPORTS_PER_BODY, violations
from tests.factories import AssignmentFactory, GrowthSampleFactory, ScenarioFactory

POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:", "font-src": "'self'",
    "connect-src": "'self'", "object-src": "'none'", "base-uri": "'none'", "form-action": "'self'",
    "frame-ancestors": "'none'", "report-uri": "/csp-report/",
}  # fmt: skip
NOT_SCRIPT = {"application/json", "application/ld+json"}  # data blocks, which no browser runs


class InlineFinder(HTMLParser):
    """What a strict policy refuses in a page: inline scripts, style elements and style attributes, on* handlers."""

    def __init__(self):
        super().__init__()
        self.found, self._script = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "style":
            self.found.append("<style>")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
        if tag == "script" and "src" not in attrs and attrs.get("type") not in NOT_SCRIPT:
            self._script = self.getpos()

    def handle_data(self, data):
        if self._script and data.strip():
            self.found.append(f"inline <script> at line {self._script[0]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def policy(response) -> dict[str, str]:
    """The response's Content-Security-Policy, directive by directive (their order is django-csp's)."""
    return dict(d.split(" ", 1) for d in response["Content-Security-Policy"].split("; "))


def inline_parts(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


@pytest.fixture
def boss(client, django_user_model, salmon):
    """A superuser's client, and a batch with a scenario, two assignments (one sampled) and a planned activity."""
    from apps.planning.models import PlannedActivity

    scenario = ScenarioFactory()
    held = AssignmentFactory(batch=scenario.batch)
    GrowthSampleFactory(assignment=held)
    PlannedActivity.objects.create(
        batch=scenario.batch, activity_type="HARVEST", assignment=held, due_date=scenario.start_date
    )
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-long-enough"))
    return client, scenario.batch, held


def adds_records(model_admin) -> bool:
    """Whether the admin has an add page at all: a record written only by the system (a daily state, a verification,
    an alert, a history event) is refused even to a superuser."""
    from types import SimpleNamespace

    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = SimpleNamespace(is_active=True, is_staff=True, is_superuser=True, has_perm=lambda *a, **k: True)
    return model_admin.has_add_permission(request)


def page_urls(batch, assignment) -> list[str]:
    admin_pages = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_{view}")
        for m, model_admin in admin.site._registry.items()
        for view in ("changelist", "add")
        if view == "changelist" or adds_records(model_admin)
    ]
    return [
        "/", "/batches/", f"/batches/{batch.pk}/growth/", f"/containers/{assignment.container_id}/", "/admin/",
        f"/admin/batch/batch/{batch.pk}/change/", f"/admin/batch/batchcontainerassignment/{assignment.pk}/change/",
        reverse("admin:forecast_projection_summary"), *admin_pages, "/api/docs/",
        f"/reports/sites/{assignment.container.site_id}/{assignment.assignment_date:%Y-%m}/",
        f"/reports/{assignment.assignment_date:%Y-%m}/",
        f"/containers/{assignment.container_id}/record/", f"/sites/{assignment.container.site_id}/record/",
        f"/sites/{assignment.container.site_id}/", "/alerts/", "/history/", "/imports/", "/reports/",
    ]  # fmt: skip


@pytest.mark.django_db
def test_every_page_carries_the_policy_and_holds_nothing_inline_it_would_refuse(boss):
    client, batch, assignment = boss
    urls = page_urls(batch, assignment)
    assert len(urls) > 50
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == POLICY, url
        assert inline_parts(response.content.decode()) == [], url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/v1/batch/batches/", "/api/v1/batch/batches/{batch}/", "/api/v1/planning/activities/"]
)
def test_the_browsable_api_carries_the_policy_and_holds_nothing_inline(boss, path):
    client, batch, _ = boss
    response = client.get(path.format(batch=batch.pk), HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert policy(response) == POLICY
    assert inline_parts(response.content.decode()) == []


@pytest.mark.django_db
def test_the_login_page_swagger_uis_start_script_the_json_api_and_errors_carry_it_too(boss):
    client, batch, _ = boss
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert (
        b"SwaggerUIBundle(" in script.content and b'"validatorUrl": null' in script.content
    )  # no badge from elsewhere
    for response in (
        script, Client().get("/accounts/login/"), client.get(f"/api/v1/batch/batches/{batch.pk}/"), client.get("/no-such-page/"),
    ):  # fmt: skip
        assert policy(response) == POLICY


def test_the_policy_allows_no_inline_script_or_style_and_nothing_from_elsewhere():
    sources = " ".join(POLICY.values())
    assert "unsafe" not in sources and "*" not in sources and "http" not in sources and "blob" not in sources
    assert POLICY["script-src"] == POLICY["style-src"] == POLICY["default-src"] == "'self'"


# --- the report endpoint ---------------------------------------------------------------------------------------------

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "http://farm.example/batches/3/growth/", "referrer": "", "violated-directive": "script-src-attr",
        "effective-directive": "script-src-attr", "original-policy": "default-src 'self'", "disposition": "enforce",
        "blocked-uri": "inline", "line-number": 3, "column-number": 56, "status-code": 200, "script-sample": "",
    }
}  # fmt: skip


@pytest.fixture
def reporter():
    return Client(enforce_csrf_checks=True)  # as a browser sends it: no session, no CSRF token


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.WARNING, logger="aquamind.csp")
    return lambda: [
        json.loads(r.getMessage().removeprefix("csp violation ")) for r in caplog.records if r.name == "aquamind.csp"
    ]


def post(reporter, body, content_type="application/csp-report", **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return reporter.post("/csp-report/", data=data, content_type=content_type, **extra)


def test_a_report_is_logged_as_one_json_line_and_answered_204_without_the_database(reporter, logged):
    response = post(reporter, REPORT_URI_BODY)  # no django_db mark: a query (or a transaction) would fail the test
    assert response.status_code == 204 and response.content == b""
    assert logged() == [
        {
            "document": "http://farm.example/batches/3/growth/",
            "violated": "script-src-attr",
            "directive": "script-src-attr",
            "disposition": "enforce",
            "blocked": "inline",
            "line": 3,
            "column": 56,
            "status": 200,
        }
    ]  # fmt: skip  (the policy itself and the empty fields are left out)


def test_a_reporting_api_batch_logs_each_csp_violation_and_nothing_else(reporter, logged):
    body = [
        {"type": "csp-violation", "url": "http://farm.example/", "body": {"documentURL": "http://farm.example/", "blockedURL": "https://cdn.example/x.js", "effectiveDirective": "script-src-elem", "disposition": "enforce", "lineNumber": 0}},
        {"type": "deprecation", "url": "http://farm.example/", "body": {"message": "not ours"}},
        {"type": "csp-violation", "url": "http://farm.example/", "body": {"documentURL": "http://farm.example/", "blockedURL": "inline", "effectiveDirective": "style-src-attr", "sample": "color: red"}},
    ]  # fmt: skip
    assert post(reporter, body, "application/reports+json").status_code == 204
    assert [(v["directive"], v["blocked"]) for v in logged()] == [
        ("script-src-elem", "https://cdn.example/x.js"),
        ("style-src-attr", "inline"),
    ]
    assert logged()[1]["sample"] == "color: red"


def test_a_hostile_report_stays_one_line_with_its_fields_cut(reporter, caplog, logged):
    report = {
        "csp-report": {
            "blocked-uri": "x\n2026-12-06 WARNING forged line " + "y" * 1000,
            "document-uri": "\u202e<script>",
        }
    }
    assert post(reporter, report).status_code == 204
    [line] = [r.getMessage() for r in caplog.records if r.name == "aquamind.csp"]
    assert "\n" not in line and "\u202e" not in line  # JSON with ASCII escapes: no forged line, no bidi trick
    assert len(logged()[0]["blocked"]) == FIELD_MAX_CHARS and logged()[0]["document"] == "\u202e<script>"


def test_a_body_of_many_reports_logs_at_most_the_bound_and_says_how_many_were_left_out(reporter, logged):
    body = [{"type": "csp-violation", "body": {"blockedURL": f"inline-{i}"}} for i in range(REPORTS_PER_BODY + 5)]
    assert post(reporter, body, "application/reports+json").status_code == 204
    assert len(logged()) == REPORTS_PER_BODY + 1 and logged()[-1] == {"omitted": 5}


def test_an_oversized_body_is_refused_unread_in_the_error_shape(reporter, logged):
    big = json.dumps({"csp-report": {"blocked-uri": "x" * REPORT_MAX_BYTES}})
    response = post(reporter, big)
    assert response.status_code == 413
    assert response.json() == {
        "errors": [{"field": None, "code": "too_large", "detail": "A CSP report is at most 65,536 bytes."}]
    }
    assert logged() == []


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/csp-report", 400, "invalid"),
        ('"a string"', "application/csp-report", 400, "invalid"),
        (b"\xff\xfe", "application/csp-report", 400, "invalid"),
        (json.dumps(REPORT_URI_BODY), "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_what_is_not_a_report_is_refused_and_nothing_logged(reporter, logged, body, content_type, status, code):
    response = post(reporter, body, content_type)
    assert response.status_code == status and response.json()["errors"][0]["code"] == code
    assert logged() == []


def test_only_post_is_allowed(reporter):
    assert reporter.get("/csp-report/").status_code == 405


def test_reports_past_the_rate_are_refused_with_retry_after(reporter, logged, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"csp_report": "2/min"}}
    answers = [post(reporter, REPORT_URI_BODY).status_code for _ in range(3)]
    assert answers == [204, 204, 429]
    refused = post(reporter, REPORT_URI_BODY)
    assert refused.json()["errors"][0]["code"] == "throttled" and 1 <= int(refused["Retry-After"]) <= 60
    assert len(logged()) == 2
    # another address is counted on its own
    assert post(reporter, REPORT_URI_BODY, REMOTE_ADDR="192.0.2.7").status_code == 204


LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.integers(295, 305).map(lambda n: "y" * n)
)
FIELD_NAMES = st.sampled_from(
    ["blocked-uri", "document-uri", "line-number", "blockedURL", "lineNumber", "sample", "original-policy"]
)
REPORT = st.dictionaries(FIELD_NAMES | st.text(max_size=4), LEAVES | st.lists(LEAVES, max_size=2), max_size=6)
JSON = st.one_of(
    st.recursive(
        LEAVES,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=8,
    ),
    st.fixed_dictionaries({"csp-report": REPORT | LEAVES}),
    st.lists(
        st.fixed_dictionaries({"type": st.sampled_from(["csp-violation", "deprecation"]), "body": REPORT | LEAVES})
        | LEAVES,
        max_size=4,
    ),
)


@given(JSON)
def test_any_json_is_either_refused_or_read_into_flat_short_fields(payload):
    try:
        found = violations(payload)
    except ValueError:
        return
    for violation in found:
        for value in violation.values():
            assert (type(value) is int) or (isinstance(value, str) and len(value) <= FIELD_MAX_CHARS)
