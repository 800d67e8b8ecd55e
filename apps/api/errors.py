"""The API's one error shape (docs/api.md §Errors).

Every error response is ``{"errors": [{"field": ..., "code": ..., "detail": ...}, ...]}``: ``field`` names the
input at fault (a dotted path for nested input such as ``days.2.temp_c``) or is null for the request as a
whole, ``code`` is a stable machine-readable word, ``detail`` a sentence for people. Any error also rolls
back the request's transaction (ATOMIC_REQUESTS), so nothing is saved.
"""

from __future__ import annotations

import logging
import math
import re

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError
from django.db.models import CheckConstraint, ProtectedError, Q, RestrictedError, UniqueConstraint
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from apps.api.parsers import too_large
from aquamind import faults
from aquamind.errors import DomainError

logger = logging.getLogger(__name__)
WHOLE_REQUEST_KEYS = {api_settings.NON_FIELD_ERRORS_KEY, "__all__"}
# Rules enforced by database triggers rather than constraints (apps/batch/migrations/0003).
TRIGGER_FIELDS = {"transfer_same_batch": "dest_assignment"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is still referenced by other records."
    default_code = "protected"


class DatabaseFault(exceptions.APIException):
    """503 with Retry-After: the database is away or the write collided with another (aquamind/faults.py)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE

    def __init__(self, kind: str):
        super().__init__(faults.DETAIL[kind], code=kind)
        self.wait = faults.RETRY_AFTER_SECONDS[kind]


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: render every known error in the one shape; unknown ones stay 500s."""
    api_exc = as_api_exception(exc)
    if api_exc is None:
        return None
    set_rollback()
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(api_exc.wait))
    return Response({"errors": error_list(api_exc.detail)}, status=api_exc.status_code, headers=headers)


def as_api_exception(exc) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        return too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        detail = get_error_detail(exc)
        return exceptions.ValidationError(
            detail if isinstance(detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: detail}
        )
    if isinstance(exc, DomainError):
        key = exc.field or api_settings.NON_FIELD_ERRORS_KEY
        return exceptions.ValidationError({key: [exceptions.ErrorDetail(exc.message, code=exc.code)]})
    if isinstance(exc, (ProtectedError, RestrictedError)):
        names = sorted(
            {obj._meta.verbose_name for obj in getattr(exc, "protected_objects", None) or exc.restricted_objects}
        )
        return Conflict(f"Still used by {', '.join(names)} records; delete or change those first.")
    if isinstance(exc, IntegrityError):
        return _integrity_error(exc)
    if isinstance(exc, DataError):
        return exceptions.ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    exceptions.ErrorDetail("A value does not fit its column.", code="invalid")
                ]
            }
        )
    kind = faults.database_fault(exc)
    if kind:
        logger.warning("answered 503 (%s): %s: %s", kind, type(exc).__name__, exc)
        return DatabaseFault(kind)
    if isinstance(exc, DatabaseError) and "did not affect any rows" in str(exc):
        # Django's update of a row that a concurrent request deleted after this one read it
        return exceptions.NotFound("It was deleted while this request ran.")
    return None


def error_list(detail, field: str | None = None) -> list[dict]:
    """Flatten DRF's nested error detail into ``[{"field", "code", "detail"}]``."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            child = field if key in WHOLE_REQUEST_KEYS else (f"{field}.{key}" if field else str(key))
            errors.extend(error_list(value, child))
        return errors
    if isinstance(detail, list):
        errors = []
        for index, item in enumerate(detail):
            nested = isinstance(item, (dict, list))
            errors.extend(error_list(item, (f"{field}.{index}" if field else str(index)) if nested else field))
        return errors
    return [{"field": field, "code": getattr(detail, "code", None) or "invalid", "detail": str(detail)}]


def _integrity_error(exc: IntegrityError) -> exceptions.ValidationError:
    """A constraint caught what the serializers did not (a race, a rule only the database knows)."""
    message = str(exc)
    for name, field in constraint_fields().items():
        if re.search(rf"\b{re.escape(name)}\b", message):
            detail = exceptions.ErrorDetail(f"The value breaks the rule {name!r}.", code="constraint")
            return exceptions.ValidationError({field or api_settings.NON_FIELD_ERRORS_KEY: [detail]})
    detail = exceptions.ErrorDetail("The change conflicts with stored data.", code="constraint")
    # unnamed unique columns: PostgreSQL says "Key (name)=(...)", SQLite "UNIQUE constraint failed: table.name"
    column = re.search(r"Key \((?:[\w]+, )*(\w+)\)=", message) or re.search(
        r"UNIQUE constraint failed: .*\.(\w+)\s*$", message
    )
    field = column.group(1).removesuffix("_id") if column else api_settings.NON_FIELD_ERRORS_KEY
    return exceptions.ValidationError({field: [detail]})


_constraint_fields: dict[str, str | None] | None = None


def constraint_fields() -> dict[str, str | None]:
    """Constraint name → the first field it checks, for every model of the project (computed once)."""
    global _constraint_fields
    if _constraint_fields is None:
        found: dict[str, str | None] = dict(TRIGGER_FIELDS)
        for model in apps.get_models():
            for constraint in model._meta.constraints:
                if isinstance(constraint, UniqueConstraint) and constraint.fields:
                    found[constraint.name] = constraint.fields[-1]
                elif isinstance(constraint, CheckConstraint):
                    found[constraint.name] = _first_field(constraint.condition)
        # longest first: a name that contains another must win
        _constraint_fields = dict(sorted(found.items(), key=lambda item: -len(item[0])))
    return _constraint_fields


def _first_field(condition) -> str | None:
    for child in getattr(condition, "children", []):
        if isinstance(child, Q):
            name = _first_field(child)
        else:
            name = child[0].split("__")[0]
        if name:
            return name
    return None
