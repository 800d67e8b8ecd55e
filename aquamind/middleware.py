"""Project-wide request middleware."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse


def error_response(status: int, code: str, detail: str, **headers) -> JsonResponse:
    """A response in the API's one error shape (docs/api.md §Errors), for errors raised outside DRF."""
    return JsonResponse({"errors": [{"field": None, "code": code, "detail": detail}]}, status=status, headers=headers)


#: the addresses that take a farm's history files: their bodies may reach IMPORT_MAX_BYTES (and a form's fields)
IMPORT_UPLOAD_PATHS = ("/imports/", "/api/v1/imports/")
UPLOAD_OVERHEAD_BYTES = 64 * 1024


class RequestSizeLimitMiddleware:
    """A body whose declared length is above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``REQUEST_BODY_MAX_BYTES``) is
    answered 413 before anything reads it. Django reads no more than the declared length, so a body without
    one is empty; the API's JSON parser checks the bytes it reads as well."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.path.startswith(IMPORT_UPLOAD_PATHS):  # a farm's history files (docs/import-export.md)
            limit = settings.IMPORT_MAX_BYTES + UPLOAD_OVERHEAD_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "invalid", "The Content-Length header is not a number.")
        if limit is not None and length > limit:
            return error_response(413, "too_large", f"The request body is larger than the limit of {limit:,} bytes.")
        return self.get_response(request)
