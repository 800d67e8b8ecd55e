"""The Content-Security-Policy of every response (docs/web.md "Content-Security-Policy") and the endpoint that
browsers report violations to (docs/operations.md "CSP violation reports").

The policy itself is ``CONTENT_SECURITY_POLICY`` in the settings, sent by django-csp's middleware; its ``report-uri``
names the endpoint here. The endpoint accepts both report formats (``application/csp-report`` from ``report-uri``,
``application/reports+json`` from the Reporting API's ``report-to``, should the policy use it one day), logs each
violation as one JSON line on the ``aquamind.csp`` logger and answers 204. It needs no login and no CSRF token
(browsers send neither), refuses a body above ``REPORT_MAX_BYTES`` unread (413), logs at most ``REPORTS_PER_BODY``
violations of one body and counts bodies per client address (``THROTTLE_CSP_REPORT_RATE``, 429 past it), so a flood
costs a bounded number of log lines. It never touches the database.
"""

from __future__ import annotations

import json
import logging

from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.api.throttles import RateThrottle
from aquamind.middleware import error_response

logger = logging.getLogger("aquamind.csp")

REPORT_MAX_BYTES = 64 * 1024  # a report is about 1 KB; the Reporting API may send a few dozen in one body
REPORTS_PER_BODY = 20
FIELD_MAX_CHARS = 300
REPORT_TYPES = ("application/csp-report", "application/reports+json", "application/json")

# report-uri's hyphenated names and the Reporting API's camelCase ones → the logged field
_FIELDS = {
    "document-uri": "document", "documentURL": "document",
    "blocked-uri": "blocked", "blockedURL": "blocked",
    "effective-directive": "directive", "effectiveDirective": "directive",
    "violated-directive": "violated",
    "disposition": "disposition",
    "source-file": "source", "sourceFile": "source",
    "line-number": "line", "lineNumber": "line",
    "column-number": "column", "columnNumber": "column",
    "script-sample": "sample", "sample": "sample",
    "status-code": "status", "statusCode": "status",
    "referrer": "referrer",
}  # fmt: skip


class CSPReportThrottle(RateThrottle):
    """Report bodies per client address: ``THROTTLE_CSP_REPORT_RATE``."""

    scope = "csp_report"

    def get_cache_key(self, request, view):
        return self.key(self.get_ident(request))


def violations(payload) -> list[dict]:
    """The violations of a report body, each as a flat dict of the logged fields (strings or numbers, cut to
    ``FIELD_MAX_CHARS``); reports of other types in a Reporting API batch are left out."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        reports = [payload["csp-report"]]
    elif isinstance(payload, list):
        reports = [r.get("body") for r in payload if isinstance(r, dict) and r.get("type") == "csp-violation"]
    else:
        raise ValueError("neither a csp-report object nor a list of reports")
    return [_fields(report) for report in reports if isinstance(report, dict)]


def _fields(report: dict) -> dict:
    out = {}
    for name, value in report.items():
        field = _FIELDS.get(name)
        if field is None or value is None or value == "":
            continue
        out[field] = value if isinstance(value, int) and not isinstance(value, bool) else str(value)[:FIELD_MAX_CHARS]
    return out


@csrf_exempt
@require_POST
@transaction.non_atomic_requests  # a report must not need the database (nor wait for it)
def csp_report(request):
    """Log each violation of a browser's report as one line on ``aquamind.csp``; 204."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return error_response(400, "invalid", "The Content-Length header is not a number.")
    if length > REPORT_MAX_BYTES:
        return error_response(413, "too_large", f"A CSP report is at most {REPORT_MAX_BYTES:,} bytes.")
    if request.content_type not in REPORT_TYPES:
        return error_response(415, "unsupported_media_type", f"A CSP report is one of {', '.join(REPORT_TYPES)}.")
    throttle = CSPReportThrottle()
    if not throttle.allow_request(request, None):
        wait = max(1, round(throttle.wait() or 1))
        return error_response(429, "throttled", "Too many CSP reports from this address.", **{"Retry-After": str(wait)})
    try:
        found = violations(json.loads(request.body))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return error_response(400, "invalid", f"Not a CSP report: {exc}.")
    for violation in found[:REPORTS_PER_BODY]:
        logger.warning("csp violation %s", json.dumps(violation, sort_keys=True, ensure_ascii=True))
    if len(found) > REPORTS_PER_BODY:
        logger.warning("csp violation %s", json.dumps({"omitted": len(found) - REPORTS_PER_BODY}))
    return HttpResponse(status=204)
