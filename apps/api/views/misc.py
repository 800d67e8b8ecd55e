from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get ``{"token": ...}`` for ``Authorization: Token <key>``."""

    authentication_classes = []
    permission_classes = [AllowAny]


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
                "redoc": reverse("api-redoc", request=request),
            }
        )


@extend_schema(exclude=True)
class UnknownEndpointView(APIView):
    """Any other path under /api/v1/: a JSON 404 in the one error shape (after authentication)."""

    def _not_found(self, request, *args, **kwargs):
        raise NotFound("No such endpoint.")

    get = post = put = patch = delete = _not_found
