"""Safe retries of writes: the ``Idempotency-Key`` header (docs/api.md §Retries).

A write (POST, PUT, PATCH, DELETE) sent with ``Idempotency-Key: <1-255 printable ASCII characters>`` claims
the key for its user in the request's own transaction (``ATOMIC_REQUESTS``), before the view writes anything,
and on success stores its status and body in the same transaction. So:

- a retry after a lost or failed answer finds the key only if the first write committed, and then gets the
  first outcome again (``Idempotent-Replayed: true``) without running the view: recorded once, across
  processes, restarts and crashes, since key and write commit or vanish together;
- a retry while the first request still runs waits for it (PostgreSQL makes the second insert of the same
  key wait for the first transaction), then replays its outcome, or runs if the first one failed;
- the same key with another method, path or body is refused with 422 ``idempotency_key_reused``;
- an outcome other than 2xx wrote nothing and keeps no key: the retry runs again;
- keys expire after ``IDEMPOTENCY_KEY_HOURS`` (24): an expired key is claimed afresh, and Beat deletes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from rest_framework import exceptions, status

from apps.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces: UUIDs and random tokens fit
TABLE = IdempotencyKey._meta.db_table


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self):
        detail = (
            f"This {HEADER} was used for a different request (method, path or body); send a new key for a new request."
        )
        super().__init__({HEADER: [exceptions.ErrorDetail(detail, code="idempotency_key_reused")]})


class Replay(Exception):
    """Raised before the view runs: answer with the first outcome of this key."""

    def __init__(self, response: HttpResponse):
        super().__init__("replayed")
        self.response = response


@dataclass(frozen=True)
class Claim:
    pk: int


def idempotency_claim(*, request) -> Claim | None:
    """Claim the request's key in the current transaction: a ``Claim`` when this request is the first (the
    view runs), None when it carries no key or is not a write. Raises ``Replay`` with the stored outcome, or
    ``KeyReused`` (422) / ``ValidationError`` (400) for a key that cannot be used."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in WRITE_METHODS or not request.user.is_authenticated:
        return None
    if not VALID_KEY.fullmatch(key):
        raise exceptions.ValidationError(
            {
                HEADER: [
                    exceptions.ErrorDetail(
                        "Use 1 to 255 printable ASCII characters without spaces (a UUID fits).", code="invalid"
                    )
                ]
            }
        )
    try:
        fingerprint = request_fingerprint(request)
    except RawPostDataException:  # a form body, read for the CSRF check: the view refuses it (415) anyway
        return None
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE user_id = %s AND key = %s AND created_at < %s",
            [request.user.pk, key, expiry(now)],
        )
        # waits while another transaction holds the same key uncommitted (PostgreSQL), then inserts nothing
        cursor.execute(
            f"INSERT INTO {TABLE} (user_id, key, fingerprint, status, content_type, body, created_at) "
            f"VALUES (%s, %s, %s, NULL, '', %s, %s) ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [request.user.pk, key, fingerprint, b"", now],
        )
        row = cursor.fetchone()
    if row:
        return Claim(pk=row[0])
    stored = IdempotencyKey.objects.get(user_id=request.user.pk, key=key)
    if stored.fingerprint != fingerprint:
        raise KeyReused()
    raise Replay(stored_response(stored))


def idempotency_record(*, claim: Claim, response) -> None:
    """Store the outcome of the claiming request in its transaction: 2xx is kept; anything else wrote nothing,
    so the key is given back (unless the transaction is rolled back anyway, which takes the claim along)."""
    if transaction.get_rollback():
        return
    if not 200 <= response.status_code < 300:
        IdempotencyKey.objects.filter(pk=claim.pk).delete()
        return
    if hasattr(response, "render"):
        response.render()
    IdempotencyKey.objects.filter(pk=claim.pk).update(
        status=response.status_code, content_type=response.get("Content-Type", ""), body=bytes(response.content)
    )


def stored_response(stored: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(stored.body), status=stored.status, content_type=stored.content_type or None)
    response[REPLAYED_HEADER] = "true"
    return response


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def expiry(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def idempotency_keys_expire() -> int:
    """Delete the keys older than IDEMPOTENCY_KEY_HOURS; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=expiry(timezone.now())).delete()
    return deleted
