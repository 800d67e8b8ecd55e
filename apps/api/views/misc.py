from __future__ import annotations

import sys

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from apps.api.parsers import JSONParser
from apps.api.throttles import LoginLockoutThrottle, TokenIPThrottle, TokenUsernameThrottle
from aquamind import faults
from aquamind.middleware import error_response


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get ``{"token": ...}`` for ``Authorization: Token <key>``."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # JSON only, like every endpoint: DRF's view also takes form and multipart bodies, and a schema with three
    # request content types for one body broke a generated client (issue 16)
    parser_classes = [JSONParser]
    # the lockout first: while it holds, the rate counters need not count
    throttle_classes = [LoginLockoutThrottle, TokenIPThrottle, TokenUsernameThrottle]
    rule_codes = ("authorization",)  # wrong username or password


@extend_schema(exclude=True)
class ApiRootView(APIView):
    """GET /api/v1/: every collection with its URL, the token endpoint, the schema and its browsable docs, for
    any viewer (anonymous: 401, as everywhere else)."""

    routes: list[tuple[str, str]] = []  # (prefix, basename), set by apps/api/urls.py

    def get(self, request):
        endpoints = {prefix: reverse(f"{basename}-list", request=request) for prefix, basename in self.routes}
        return Response(
            {
                "endpoints": endpoints,
                "auth_token": reverse("api-token", request=request),
                "schema": reverse("schema", request=request),
                "docs": reverse("api-docs", request=request),
            }
        )


@extend_schema(exclude=True)
class UnknownEndpointView(APIView):
    """Any other path under /api/v1/: a JSON 404 in the one error shape (after authentication)."""

    def _not_found(self, request, *args, **kwargs):
        raise NotFound("No such endpoint.")

    get = post = put = patch = delete = _not_found


def is_api_path(request) -> bool:
    return request.path_info.startswith("/api/")


def page_not_found(request, exception=None):
    """``handler404``: under /api/ the one JSON error shape (any path, even one no route matches, such as a
    path with a newline); elsewhere the pages' own 404 (``404.html``: the menu, and where to go instead)."""
    if is_api_path(request):
        return error_response(404, "not_found", "No such endpoint.")
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception=None):
    """``handler403``: under /api/ the one JSON error shape; elsewhere the pages' own 403 (``403.html``)."""
    if is_api_path(request):
        return error_response(403, "permission_denied", "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception)


def server_error(request):
    """``handler500``: under /api/ the one JSON error shape; elsewhere the pages' own 500 (``500.html``, rendered
    without the request: no database). (The error is logged.)

    A passing database error (aquamind/faults.py) that no view handled, such as a commit that failed, the
    connection refused before the view ran, or a session that could not be read, is answered 503 with
    ``Retry-After`` instead: JSON under /api/, a small page (no database, no context processors) elsewhere.
    Django calls this handler while it handles the exception, so ``sys.exc_info()`` holds it."""
    kind = faults.database_fault(sys.exc_info()[1])
    if kind:
        return database_fault_response(request, kind)
    if is_api_path(request):
        return error_response(500, "server_error", "An unexpected error; it has been logged.")
    return defaults.server_error(request)


def database_fault_response(request, kind: str) -> HttpResponse:
    wait = str(faults.RETRY_AFTER_SECONDS[kind])
    if is_api_path(request):
        return error_response(503, kind, faults.DETAIL[kind], **{"Retry-After": wait})
    page = render_to_string("web/503.html", {"detail": faults.DETAIL[kind], "wait": wait})
    return HttpResponse(page, status=503, headers={"Retry-After": wait})
