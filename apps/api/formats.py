"""The one text format of each kind of value the API reads (docs/api.md §Validation, "Formats"), ASCII digits only.

Python's parsers are generous: ``date.fromisoformat`` takes ISO week dates (``2026-W48-1``) and the basic
format (``20261124``), ``Decimal`` and ``int`` take Arabic-Indic or full-width digits and surrounding spaces,
and the regular expression ``\\d`` matches every Unicode digit. Each function here first matches the text
against a pattern written with ``[0-9]`` and only then hands it to Python. Body fields (``serializers/fields.py``)
and query filters (``filters.py``) both read through them.
"""

from __future__ import annotations

import datetime as dt
import re

INTEGER = re.compile(r"-?[0-9]{1,20}")
DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


def is_integer_text(text: str) -> bool:
    """An optional minus sign and 1 to 20 ASCII digits."""
    return INTEGER.fullmatch(text) is not None


def is_decimal_text(text: str) -> bool:
    """An optional minus sign, ASCII digits, and optionally a point with more digits; no spaces, no exponent."""
    return DECIMAL.fullmatch(text) is not None


def date_from_text(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` as a date, or None if the text is not that format or not a day of the calendar."""
    if not DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def datetime_from_text(text: str) -> dt.datetime | None:
    """ISO 8601 ``YYYY-MM-DDTHH:MM[:SS[.fraction]]`` and an optional ``Z`` or ``±HH:MM`` (naive without one),
    or None. A fraction beyond microseconds is cut, as Python does."""
    if not DATETIME.fullmatch(text):
        return None
    try:
        return dt.datetime.fromisoformat(text.upper())
    except ValueError:
        return None
