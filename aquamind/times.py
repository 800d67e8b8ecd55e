"""Instants as people on the farm read them, the one helper for pages, the admin and messages."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone


def farm_time(value: dt.datetime | None, default: str = "never") -> str:
    """An aware instant in the farm's time zone (the ``TIME_ZONE`` setting) as "1 Dec 2026, 13:05 WET" (the
    ``DATETIME_FORMAT`` of ``aquamind/formats``); ``default`` for None."""
    if value is None:
        return default
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
