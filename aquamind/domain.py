"""The domain of every input, written once: the physical and calendar bounds a farm's records must lie in.

The models turn these into field validators (which the API serializers and the admin forms inherit, and the
schema shows as ``minimum``/``maximum``) and into database ``CheckConstraint``s for the absolute bounds; the
services and bulk imports call the same validators. docs/api.md, "The domain", says why each bound is what it is.

Bounds that move with the calendar ("not in the future", "within the planning horizon") cannot be database
checks; the database holds the fixed outer bounds ``EARLIEST_DATE`` … ``LATEST_DATE`` instead.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import CheckConstraint, Q
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# --- calendar ---------------------------------------------------------------------------------------------
EARLIEST_DATE = dt.date(1990, 1, 1)  # no farm record in AquaMind is older
LATEST_DATE = dt.date(2199, 12, 31)  # the database's outer bound for any date (planning included)
EARLIEST_MOMENT = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
LATEST_MOMENT = dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
PLANNING_HORIZON_DAYS = 5 * 366  # a scenario or a PLANNED batch starts at most five years ahead
MAX_DURATION_DAYS = 3_650  # a scenario covers at most ten years (a salmon's cycle is about three)
CLOCK_SKEW = dt.timedelta(minutes=5)  # a reading's clock may run this far ahead of the server's

# --- fish -------------------------------------------------------------------------------------------------
MIN_AVG_WEIGHT_G = Decimal("0.01")
MAX_AVG_WEIGHT_G = Decimal("50000")  # 50 kg: above the largest Atlantic salmon ever recorded
MAX_STD_DEV_WEIGHT_G = Decimal("50000")  # a sample's spread cannot exceed the heaviest possible fish
MIN_LENGTH_CM = Decimal("0.01")
MAX_LENGTH_CM = Decimal("200")  # the longest salmon recorded was about 150 cm
MAX_SAMPLE_SIZE = 100_000  # fish weighed in one sample (automated frames weigh thousands, not more)
MAX_FISH_COUNT = 10_000_000  # one container's fish: sea pens hold ~200,000, hatchery trays a few million
MAX_BATCH_FISH = 100_000_000  # a scenario's initial count: a whole batch over all its containers

# --- feed -------------------------------------------------------------------------------------------------
MIN_FEED_KG = Decimal("0.001")
MAX_FEED_KG = Decimal("100000")  # 100 t: one event, and one assignment's whole day (a big pen eats ~30 t)
MAX_FEED_KG_PER_DAY = MAX_FEED_KG

# --- environment and models -------------------------------------------------------------------------------
READING_MIN, READING_MAX = -1_000_000.0, 1_000_000.0  # any parameter, any unit: a sanity bound
TEMPERATURE_CODE = "temperature"
TEMPERATURE_DEFAULT_C = (-2.0, 40.0)  # the temperature parameter's range unless an admin narrows it
TEMPERATURE_LIMITS_C = (-5.0, 50.0)  # the widest a temperature parameter's range may be set
PROFILE_TEMPERATURE_C = (-5.0, 40.0)  # a scenario profile's planned temperatures
MAX_PROFILE_DAY = 10_000
TGC_RANGE = (0.0001, 100.0)  # per 1000 (a value below 0.01 is already divided by 1000)
MORTALITY_RATE_PERCENT = (0.0, 99.99)
FCR_RANGE = (0.01, 20.0)


def reading_range(code: str) -> dict[str, float]:
    """A new parameter's default ``min_value``/``max_value``: water temperature for ``temperature``, else the
    absolute bound."""
    low, high = TEMPERATURE_DEFAULT_C if code.lower() == TEMPERATURE_CODE else (READING_MIN, READING_MAX)
    return {"min_value": low, "max_value": high}


WEIGHT_HELP = "Average weight in g: 0.01 to 50,000."


def today() -> dt.date:
    return timezone.localdate()


def between(low, high) -> list:
    """Validators for ``low <= value <= high`` (DRF turns them into the serializer's min/max)."""
    return [MinValueValidator(low), MaxValueValidator(high)]


@deconstructible
class DateWithin:
    """A calendar date from ``EARLIEST_DATE`` to today (``horizon_days=0``) or to today + ``horizon_days``.

    Codes: ``too_early``, ``future_date`` (an event after today) and ``beyond_horizon`` (a plan too far ahead).
    """

    codes = ("too_early", "future_date", "beyond_horizon")  # the API's schema lists them (apps/api/error_codes.py)

    def __init__(self, horizon_days: int = 0):
        self.horizon_days = horizon_days

    def __call__(self, value) -> None:
        if value is None:
            return
        if value < EARLIEST_DATE:
            raise ValidationError(
                f"{value} is before {EARLIEST_DATE}, the earliest date AquaMind accepts.", code="too_early"
            )
        latest = today() + dt.timedelta(days=self.horizon_days)
        if value > latest:
            if self.horizon_days == 0:
                raise ValidationError(f"{value} is in the future (today is {today()}).", code="future_date")
            raise ValidationError(
                f"{value} is more than {self.horizon_days} days ahead (the latest allowed is {latest}).",
                code="beyond_horizon",
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, DateWithin) and other.horizon_days == self.horizon_days


@deconstructible
class MomentWithin:
    """A moment from ``EARLIEST_MOMENT`` to now (plus ``CLOCK_SKEW``). Codes ``too_early``, ``future_date``."""

    codes = ("too_early", "future_date")

    def __call__(self, value) -> None:
        if value is None:
            return
        if value < EARLIEST_MOMENT:
            raise ValidationError(
                f"{value.isoformat()} is before {EARLIEST_DATE}, the earliest date AquaMind accepts.", code="too_early"
            )
        if value > timezone.now() + CLOCK_SKEW:
            raise ValidationError(f"{value.isoformat()} is in the future.", code="future_date")

    def __eq__(self, other) -> bool:
        return isinstance(other, MomentWithin)


event_date = DateWithin(0)  # samples, deaths, feeding, treatments, transfers done, assignments
plan_date = DateWithin(PLANNING_HORIZON_DAYS)  # scenario and batch starts, planned transfers
event_moment = MomentWithin()  # reading times


def range_check(field: str, low, high, *, name: str, nullable: bool = False) -> CheckConstraint:
    """A database ``CheckConstraint`` for ``low <= field <= high`` (or null when ``nullable``)."""
    condition = Q(**{f"{field}__gte": low, f"{field}__lte": high})
    if nullable:
        condition = Q(**{f"{field}__isnull": True}) | condition
    return CheckConstraint(condition=condition, name=name)


def max_check(field: str, high, *, name: str) -> CheckConstraint:
    """A database ``CheckConstraint`` for ``field <= high`` (null passes: a nullable field may be empty);
    the lower bound has its own, older constraint."""
    return CheckConstraint(condition=Q(**{f"{field}__lte": high}), name=name)


def date_check(field: str, *, name: str, nullable: bool = False) -> CheckConstraint:
    """The database's outer bound for a date: ``EARLIEST_DATE`` … ``LATEST_DATE``."""
    return range_check(field, EARLIEST_DATE, LATEST_DATE, name=name, nullable=nullable)
