"""OpenAPI post-processing: every operation documents every error status it can answer, in the one error
shape (docs/api.md §Errors)."""

from __future__ import annotations

import copy

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance, is_basic_serializer

from apps.api.error_codes import operation_codes
from apps.api.exports import EXPORT_FORMATS, ExportMixin, XLSXRenderer

TOKEN_SCHEME_DESCRIPTION = (
    "Send the header `Authorization: Token <key>`: the word `Token`, one space, then the key that "
    "`POST /api/v1/auth/token/` answers. The prefix is `Token`, not `Bearer` (a generated client's default): "
    "anything else is a 401 with `WWW-Authenticate: Token`."
)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "detail"],
                "properties": {
                    "field": {
                        "type": "string",
                        "nullable": True,
                        "description": "The input at fault (dotted for nested input), or null.",
                    },
                    "code": {"type": "string", "description": "A stable machine-readable code."},
                    "detail": {"type": "string", "description": "A sentence for people."},
                },
            },
        }
    },
}
DESCRIPTIONS = {
    "400": "Invalid input; nothing was saved. The errors name the fields (body fields or query parameters).",
    "401": "Not authenticated (session, or the header `Authorization: Token <key>`).",
    "403": "Your role does not allow this.",
    "404": "No such object.",
    "409": "The object is still used by other records.",
    "413": "The request body is larger than the limit (REQUEST_BODY_MAX_BYTES, 1 MB by default).",
    "414": "The URL is too long (answered by the HTTP server in front, e.g. gunicorn's limit_request_line of 4094 bytes, as an HTML page).",
    "415": "The body is not `application/json`.",
    "422": "The `Idempotency-Key` was used before for a different request (method, path or body).",
    "429": "Too many requests (write throttle, token throttles or login lockout); retry after `Retry-After` seconds.",
    "503": "The database is unreachable or the write collided with another; nothing was saved by this answer. "
    "Send the request again after `Retry-After` seconds (a write with the same `Idempotency-Key`).",
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "required": True,
        "schema": {"type": "string", "enum": ["Token"]},
        "description": "The scheme to use: Token.",
    }
}
RETRY_AFTER = {
    "Retry-After": {
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before retrying.",
    }
}
BODY_METHODS = {"post", "put", "patch"}
NOT_IDEMPOTENT = {"/api/v1/auth/token/"}  # the writes that take no Idempotency-Key (apps/api/idempotency.py)
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key with the same request replays the first successful answer "
    "(`Idempotent-Replayed: true`) instead of writing again. Kept 24 hours (docs/api.md §Retries).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, plus each operation's 400 codes (``apps.api.error_codes``) as ``x-error-codes``, which
    ``add_error_responses`` turns into the ``code`` enum of the operation's 400 response."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            operation["x-error-codes"] = self.error_codes()
        return operation

    def _get_format_parameters(self):
        """``?format=`` on the operations that export (apps/api/exports.py), the formats as its enum."""
        if not (isinstance(self.view, ExportMixin) and self.view.exportable()):
            return []
        return [
            {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "json (the default), or the whole filtered list as a file: csv or xlsx "
                '(unpaginated; docs/api.md "Exports").',
                "schema": {"type": "string", "enum": ["json", *EXPORT_FORMATS]},
            }
        ]

    def error_codes(self) -> list[str]:
        body = force_instance(self.get_request_serializer()) if self.method in {"POST", "PUT", "PATCH"} else None
        query = [force_instance(p) for p in self.get_override_parameters() if is_basic_serializer(p)]
        listing = self.method == "GET" and self._is_list_view()
        filterset = getattr(self.view, "filterset_class", None) if listing else None
        exports = isinstance(self.view, ExportMixin) and self.view.exportable()
        rules = [
            *(("invalid_choice",) if exports else ()),  # ?format= outside json, csv, xlsx
            *getattr(self.view, "rule_codes", ()),
            *(getattr(self.view, "destroy_rule_codes", ()) if self.method == "DELETE" else ()),
        ]
        return operation_codes(
            method=self.method,
            body=body,
            query=query,
            filtersets=[filterset] if filterset else [],
            paginated=listing and self._get_paginator() is not None,
            view_rule_codes=rules,
        )


def error_codes(path: str, method: str, operation: dict) -> list[str]:
    """The error statuses an operation can answer (docs/api.md §Errors)."""
    codes = ["401", "403", "414"]
    if operation.get("x-error-codes"):
        codes.append("400")
    if "{" in path:
        codes.append("404")
    if method == "delete":
        codes.append("409")
    if method in BODY_METHODS:
        codes += ["413", "415"]
    if method != "get":
        codes.append("429")
    if method != "get" and path not in NOT_IDEMPOTENT:
        codes.append("422")
    codes.append("503")
    return codes


#: what a file export's 200 holds instead of the JSON body (apps/api/exports.py)
FILE_SCHEMAS = {
    "text/csv": {"type": "string", "description": "CSV, UTF-8 with a byte-order mark, one row per object."},
    XLSXRenderer.media_type: {"type": "string", "format": "binary", "description": "An Excel workbook."},
}
assert len(FILE_SCHEMAS) == len(EXPORT_FORMATS)


def file_responses(operation: dict) -> None:
    """The 200 of a list asked as a file is the file, not the JSON page."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    for media_type, schema in FILE_SCHEMAS.items():
        if media_type in content:
            content[media_type] = {"schema": schema}


def add_error_responses(result, generator, request, public):
    """Add the error responses with the error schema (and ``Retry-After`` on 429 and 503) to every operation,
    and the ``Idempotency-Key`` header to every write that takes one."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if method != "get" and path not in NOT_IDEMPOTENT:
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            file_responses(operation)
            responses = operation.setdefault("responses", {})
            for code in error_codes(path, method, operation):
                schema = invalid_input_schema(operation["x-error-codes"]) if code == "400" else ref
                response = {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": schema}}}
                if code == "414":
                    del response["content"]  # not ours: the server's own page
                if code in ("429", "503"):
                    response["headers"] = RETRY_AFTER
                if code == "401":
                    response["headers"] = WWW_AUTHENTICATE
                responses.setdefault(code, response)
            operation.pop("x-error-codes", None)
    return result


def invalid_input_schema(codes: list[str]) -> dict:
    """The error shape whose ``code`` is one of the operation's 400 codes."""
    schema = copy.deepcopy(ERROR_SCHEMA)
    item = schema["properties"]["errors"]["items"]["properties"]
    item["code"] = {**item["code"], "enum": codes}
    return schema


class TokenScheme(OpenApiAuthenticationExtension):
    """The token scheme as a client must use it: ``Authorization: Token <key>`` (DRF's keyword, not ``Bearer``).

    An API key in the ``Authorization`` header, which every client generator and the Swagger UI understand (an
    ``http`` scheme named ``Token`` would be exact but is not one they know)."""

    target_class = "rest_framework.authentication.TokenAuthentication"
    name = "tokenAuth"
    priority = 1  # over drf-spectacular's own

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": TOKEN_SCHEME_DESCRIPTION,
        }
