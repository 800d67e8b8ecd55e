from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get ``{"token": ...}`` for ``Authorization: Token <key>``."""

    authentication_classes = []
    permission_classes = [AllowAny]


@extend_schema(exclude=True)
class UnknownEndpointView(APIView):
    """Any other path under /api/v1/: a JSON 404 in the one error shape (after authentication)."""

    def _not_found(self, request, *args, **kwargs):
        raise NotFound("No such endpoint.")

    get = post = put = patch = delete = _not_found
