"""OpenAPI post-processing: every operation documents the one error shape (docs/api.md §Errors)."""
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
    "400": "Invalid input; nothing was saved. The errors name the fields.",
    "401": "Not authenticated (session or `Authorization: Token <key>`).",
    "403": "Your role does not allow this.",
    "404": "No such object.",
    "409": "The object is still used by other records.",
}


def add_error_responses(result, generator, request, public):
    """Add 400/401/403/404 (and 409 on deletes) with the error schema to every operation that lacks them."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ["401", "403"]
            if method != "get" or operation.get("parameters"):
                codes.append("400")
            if "{" in path:
                codes.append("404")
            if method == "delete":
                codes.append("409")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}})
    return result
