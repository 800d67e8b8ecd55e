"""Login lockout: after repeated failed logins for one username, or from one client address, every login
with that username (or from that address) is refused for ``LOGIN_LOCKOUT_SECONDS``, the right password
included. It covers every login that goes through Django's ``authenticate()``: the login page, the admin and
the API's token endpoint (docs/api.md §Throttling and lockout).

Counters live in Django's default cache (Redis in production, so every web process sees the same counts).
If the cache is unreachable the lockout is skipped and a warning logged: logins keep working while Redis is
down, and the per-IP token throttles fail the same way.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)
CACHE_ERRORS = (ConnectionError, TimeoutError, OSError)
try:  # the Redis client's errors do not all derive from the built-in ones
    from redis.exceptions import RedisError

    CACHE_ERRORS = (*CACHE_ERRORS, RedisError)
except ImportError:  # pragma: no cover - redis is a requirement
    pass


def client_ip(request) -> str:
    """The client's address as DRF's throttles see it (``REMOTE_ADDR``, or X-Forwarded-For behind
    ``THROTTLE_NUM_PROXIES`` proxies)."""
    return BaseThrottle().get_ident(request)


def _subjects(username, ip: str) -> list[tuple[str, int]]:
    """(cache key stem, failure limit) for the username and the address."""
    subjects = [(f"ip:{ip}", settings.LOGIN_FAILURE_LIMIT_PER_IP)]
    if isinstance(username, str) and username:
        digest = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
        subjects.append((f"user:{digest}", settings.LOGIN_FAILURE_LIMIT))
    return subjects


def lockout_wait(*, username, ip: str) -> int:
    """Seconds until a login with ``username`` from ``ip`` is allowed again; 0 when it is allowed now."""
    try:
        until = cache.get_many([f"lockout:until:{stem}" for stem, _ in _subjects(username, ip)]).values()
    except CACHE_ERRORS as exc:
        logger.warning("login lockout skipped, cache unavailable: %s", exc)
        return 0
    return max([0, *(math.ceil(moment - time.time()) for moment in until)])


def login_failure_record(*, username, ip: str) -> None:
    """Count a failed login; at the limit, lock the username (or the address) out for LOGIN_LOCKOUT_SECONDS."""
    seconds = settings.LOGIN_LOCKOUT_SECONDS
    try:
        for stem, limit in _subjects(username, ip):
            key = f"lockout:failures:{stem}"
            cache.add(key, 0, timeout=seconds)
            if cache.incr(key) >= limit:
                cache.set(f"lockout:until:{stem}", time.time() + seconds, timeout=seconds)
                cache.delete(key)
                logger.warning("login locked out for %s s: %s", seconds, stem)
    except (*CACHE_ERRORS, ValueError) as exc:  # ValueError: the counter expired between add and incr
        logger.warning("login failure not counted: %s", exc)


def login_success_record(*, username) -> None:
    """A successful login clears the username's failure count (not the address's)."""
    try:
        cache.delete_many([f"lockout:failures:{stem}" for stem, _ in _subjects(username, "") if stem.startswith("user:")])
    except CACHE_ERRORS as exc:
        logger.warning("login failure count not cleared: %s", exc)


class LockoutModelBackend(ModelBackend):
    """Django's ModelBackend that refuses a locked-out username or address before checking the password,
    and counts the failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        ip = client_ip(request) if request is not None else "unknown"
        if lockout_wait(username=username, ip=ip):
            raise PermissionDenied("locked out")  # authenticate() stops here: no other backend is tried
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, ip=ip)
        else:
            login_success_record(username=username)
        return user


class LockoutLoginView(LoginView):
    """``/accounts/login/``: while locked out, 429 with ``Retry-After`` and a sentence on the page."""

    def post(self, request, *args, **kwargs):
        wait = lockout_wait(username=request.POST.get("username"), ip=client_ip(request))
        if not wait:
            return super().post(request, *args, **kwargs)
        message = f"Too many failed logins. Try again in {wait} seconds."
        context = self.get_context_data(form=self.get_form_class()(request), lockout_message=message)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response
