"""The API's JSON parser: bounded size and nesting, so no body can exhaust memory or the stack.

A body above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes is a 413 (``RequestTooLarge``; the middleware
``aquamind.middleware.RequestSizeLimitMiddleware`` refuses a declared length earlier, this covers a body read
through the stream); JSON nested deeper than ``MAX_JSON_DEPTH`` arrays and objects is a 400 ``parse_error``
before it reaches ``json.loads`` (whose recursion would otherwise end in a RecursionError, a 500).
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from rest_framework import exceptions, parsers, status
from rest_framework.settings import api_settings

MAX_JSON_DEPTH = 100
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(f"The request body is larger than the limit of {limit:,} bytes.")


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the size and depth limits (strict JSON: ``NaN`` and ``Infinity`` are refused)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = (stream.read() if limit is None else stream.read(limit + 1)) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise too_large(limit)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise exceptions.ParseError(f"The JSON body is not valid {encoding}.") from None
        if json_depth(text) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"The JSON body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels.")
        try:
            return json.loads(text, parse_constant=_refuse_constant if api_settings.STRICT_JSON else None)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"The JSON body is malformed: {exc}") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
