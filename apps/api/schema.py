"""OpenAPI post-processing: every operation documents every error status it can answer, in the one error
shape (docs/api.md §Errors)."""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

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
                    "field": {"type": "string", "nullable": True, "description": "The input at fault (dotted for nested input), or null."},
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
    "429": "Too many requests (write throttle, token throttles or login lockout); retry after `Retry-After` seconds.",
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"required": True, "schema": {"type": "string", "enum": ["Token"]}, "description": "The scheme to use: Token."}
}
RETRY_AFTER = {
    "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0}, "description": "Seconds to wait before retrying."}
}
BODY_METHODS = {"post", "put", "patch"}


def error_codes(path: str, method: str, operation: dict) -> list[str]:
    """The error statuses an operation can answer (docs/api.md §Errors)."""
    codes = ["401", "403", "414"]
    if method != "get" or operation.get("parameters"):
        codes.append("400")
    if "{" in path:
        codes.append("404")
    if method == "delete":
        codes.append("409")
    if method in BODY_METHODS:
        codes += ["413", "415"]
    if method != "get":
        codes.append("429")
    return codes


def add_error_responses(result, generator, request, public):
    """Add the error responses with the error schema (and ``Retry-After`` on 429) to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in error_codes(path, method, operation):
                response = {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}
                if code == "414":
                    del response["content"]  # not ours: the server's own page
                if code == "429":
                    response["headers"] = RETRY_AFTER
                if code == "401":
                    response["headers"] = WWW_AUTHENTICATE
                responses.setdefault(code, response)
    return result


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
