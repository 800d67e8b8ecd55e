"""DRF throttles (docs/api.md §Throttling and lockout). Rates come from ``REST_FRAMEWORK
["DEFAULT_THROTTLE_RATES"]`` (environment variables ``THROTTLE_*_RATE``), read per request so tests can change
them; an empty rate switches a throttle off. Counts live in Django's default cache (Redis in production, so
they hold across processes); if the cache is unreachable a request is let through and a warning logged.
A refused request gets 429 with ``Retry-After`` in the one error shape (``apps.api.errors``)."""

from __future__ import annotations

import hashlib
import logging

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from aquamind.lockout import CACHE_ERRORS, client_ip, lockout_wait

logger = logging.getLogger(__name__)


class RateThrottle(SimpleRateThrottle):
    """A rate per ``scope`` read from the settings at each request; fails open when the cache is down."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            logger.warning("throttle %s skipped, cache unavailable: %s", self.scope, exc)
            return True

    def key(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class WriteThrottle(RateThrottle):
    """Writes (POST, PUT, PATCH, DELETE) per user: ``THROTTLE_WRITE_RATE``. Reads are not throttled."""

    scope = "write"

    def allow_request(self, request, view):
        return request.method in SAFE_METHODS or super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = request.user
        return self.key(f"user-{user.pk}" if user and user.is_authenticated else f"ip-{self.get_ident(request)}")


class TokenIPThrottle(RateThrottle):
    """Token requests per client address: ``THROTTLE_TOKEN_IP_RATE``."""

    scope = "token_ip"

    def get_cache_key(self, request, view):
        return self.key(self.get_ident(request))


class TokenUsernameThrottle(RateThrottle):
    """Token requests per username, whoever sends them: ``THROTTLE_TOKEN_USERNAME_RATE``."""

    scope = "token_username"

    def get_cache_key(self, request, view):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str) or not username:
            return None  # the serializer refuses it; nothing to count
        return self.key(hashlib.sha256(username.casefold().encode()).hexdigest()[:32])


class LoginLockoutThrottle(BaseThrottle):
    """The login lockout (``aquamind.lockout``) as a throttle, so the token endpoint answers 429 while the
    username or address is locked out."""

    def allow_request(self, request, view):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        self._wait = lockout_wait(username=username, ip=client_ip(request))
        return not self._wait

    def wait(self):
        return self._wait
