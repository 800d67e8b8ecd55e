"""Login lockout: repeated failed logins lock a username, or a client address, out for ``LOGIN_LOCKOUT_SECONDS``,
except where the username has logged in before (docs/api.md, "Throttling and lockout").

- ``LOGIN_FAILURE_LIMIT`` failures for one username lock that username out, from everywhere it is not trusted;
- ``LOGIN_FAILURE_LIMIT_PER_IP`` failures from one address lock that address out for every username not
  trusted there (password spraying from one address stops);
- a (username, address) pair becomes **trusted** when the username logs in from the address; it stays trusted
  for ``LOGIN_TRUSTED_SECONDS`` after its last login. A trusted pair is judged by its own failures only
  (``LOGIN_FAILURE_LIMIT`` of them lock that pair): the people who work behind one NAT address keep logging in
  while others fail from it, and a username locked out by failures elsewhere still logs in where it is trusted.
  The same idea as OWASP's device cookies, keyed by the address, so API clients without cookies have it too.

A locked-out attempt is refused before the password is checked, the right password included. It covers every
login that goes through Django's ``authenticate()``: the login page, the admin and the API's token endpoint.

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


def _digest(username) -> str | None:
    if not isinstance(username, str) or not username:
        return None
    return hashlib.sha256(username.casefold().encode()).hexdigest()[:32]


def _trusted(digest: str | None, ip: str) -> bool:
    """Whether ``digest``'s username has logged in from ``ip`` within LOGIN_TRUSTED_SECONDS."""
    return bool(digest) and settings.LOGIN_TRUSTED_SECONDS > 0 and bool(cache.get(f"lockout:trusted:{digest}:{ip}"))


def _subjects(username, ip: str) -> list[tuple[str, int]]:
    """(cache key stem, failure limit) of what judges a login of ``username`` from ``ip``: the pair alone when
    it is trusted; otherwise the address and the username."""
    digest = _digest(username)
    if _trusted(digest, ip):
        return [(f"pair:{digest}:{ip}", settings.LOGIN_FAILURE_LIMIT)]
    subjects = [(f"ip:{ip}", settings.LOGIN_FAILURE_LIMIT_PER_IP)]
    if digest:
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
    """Count a failed login for the username and the address (a trusted pair: for the pair, and the address);
    at a limit, lock that subject out for LOGIN_LOCKOUT_SECONDS."""
    seconds = settings.LOGIN_LOCKOUT_SECONDS
    try:
        subjects = _subjects(username, ip)
        if subjects[0][0].startswith("pair:"):  # the address still counts it, for the usernames not trusted there
            subjects.append((f"ip:{ip}", settings.LOGIN_FAILURE_LIMIT_PER_IP))
        for stem, limit in subjects:
            key = f"lockout:failures:{stem}"
            cache.add(key, 0, timeout=seconds)
            if cache.incr(key) >= limit:
                cache.set(f"lockout:until:{stem}", time.time() + seconds, timeout=seconds)
                cache.delete(key)
                logger.warning("login locked out for %s s: %s", seconds, stem)
    except (*CACHE_ERRORS, ValueError) as exc:  # ValueError: the counter expired between add and incr
        logger.warning("login failure not counted: %s", exc)


def login_success_record(*, username, ip: str) -> None:
    """A successful login clears the username's and the pair's failure counts (not the address's) and trusts
    the pair for LOGIN_TRUSTED_SECONDS."""
    digest = _digest(username)
    if not digest:
        return
    try:
        cache.delete_many([f"lockout:failures:user:{digest}", f"lockout:failures:pair:{digest}:{ip}"])
        if settings.LOGIN_TRUSTED_SECONDS > 0:
            cache.set(f"lockout:trusted:{digest}:{ip}", 1, timeout=settings.LOGIN_TRUSTED_SECONDS)
    except CACHE_ERRORS as exc:
        logger.warning("login success not recorded: %s", exc)


class LockoutModelBackend(ModelBackend):
    """Django's ModelBackend that refuses a locked-out login (username, address or trusted pair) before
    checking the password, and counts the failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        ip = client_ip(request) if request is not None else "unknown"
        if lockout_wait(username=username, ip=ip):
            raise PermissionDenied("locked out")  # authenticate() stops here: no other backend is tried
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, ip=ip)
        else:
            login_success_record(username=username, ip=ip)
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
