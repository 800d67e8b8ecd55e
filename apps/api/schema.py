"""OpenAPI post-processing: every operation documents every error status it can answer, in the one error
shape (docs/api.md §Errors)."""
from __future__ import annotations

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
    "401": "Not authenticated (session or `Authorization: Token <key>`).",
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
RETRY_AFTER = {
    "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0}, "description": "Seconds to wait before retrying."}
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
    if method != "get" and path not in NOT_IDEMPOTENT:
        codes.append("422")
    codes.append("503")
    return codes


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
            responses = operation.setdefault("responses", {})
            for code in error_codes(path, method, operation):
                response = {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}
                if code == "414":
                    del response["content"]  # not ours: the server's own page
                if code in ("429", "503"):
                    response["headers"] = RETRY_AFTER
                responses.setdefault(code, response)
    return result
