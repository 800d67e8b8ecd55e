"""Issue 16, case 5: dates, date-times and numbers are read in one format with ASCII digits.

``2026-W48-1`` was stored as 2026-11-23, ``٢٠٢٦-١١-٢٤`` (Arabic-Indic digits) as a date, ``"４０"`` (full-width) and
``" 41 "`` as weights. The property tests run over every Unicode decimal digit that is not ASCII."""

import datetime as dt
import importlib
import inspect
import pkgutil
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import fields as drf
from rest_framework import serializers as drf_serializers

from apps.api import formats
from apps.api import serializers as api_serializers
from apps.api.serializers import fields
from apps.batch.models import GrowthSample
from apps.environmental.models import EnvironmentalReading
from tests.api.conftest import errors_by_field
from tests.factories import temperature_parameter

V1 = "/api/v1"

# every character of Unicode category Nd (decimal digit) but 0-9: Arabic-Indic, Devanagari, full-width, ...
foreign_digits = st.characters(categories=["Nd"]).filter(lambda c: not "0" <= c <= "9")
days = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


def with_a_foreign_digit(text: str, position: int, digit: str) -> str:
    """``text`` with the ``position``-th ASCII digit (modulo their count) written as a digit of another script of
    the same value: the text Python's own parsers read as the same value."""
    places = [i for i, c in enumerate(text) if c.isascii() and c.isdigit()]
    i = places[position % len(places)]
    same_value = chr(ord(digit) - unicodedata.digit(digit) + int(text[i]))
    return text[:i] + same_value + text[i + 1 :]


@given(days)
def test_every_day_of_the_calendar_reads_back_from_its_iso_form(day):
    assert formats.date_from_text(day.isoformat()) == day


@given(days, st.integers(min_value=0, max_value=7), foreign_digits)
def test_a_date_with_any_non_ascii_digit_is_refused(day, position, digit):
    text = with_a_foreign_digit(day.isoformat(), position, digit)
    assert formats.date_from_text(text) is None


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), timezones=st.timezones()))
def test_every_aware_moment_reads_back_from_its_iso_form(moment):
    text = moment.isoformat()
    if moment.utcoffset().seconds % 60:
        return  # offsets in seconds exist in history (LMT) but not in ISO 8601's ±HH:MM
    # the same instant; compared in UTC, since Python calls two aware moments unequal across zones when one
    # falls in a repeated hour (PEP 495), e.g. 23:00 on the night a zone leaves summer time
    assert formats.datetime_from_text(text).astimezone(dt.UTC) == moment.astimezone(dt.UTC)


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1)), st.integers(min_value=0, max_value=13), foreign_digits)
def test_a_date_time_with_any_non_ascii_digit_is_refused(moment, position, digit):
    text = with_a_foreign_digit(moment.isoformat() + "Z", position, digit)
    assert formats.datetime_from_text(text) is None


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False))
def test_every_plain_decimal_string_is_a_decimal_and_spaces_around_it_are_not(value):
    text = f"{value:f}"
    assert formats.is_decimal_text(text)
    assert Decimal(text) == value
    for padded in (f" {text}", f"{text} ", f"\t{text}\n", f"{text}\u00a0"):
        assert not formats.is_decimal_text(padded)


@given(st.decimals(min_value=0, max_value=10**6, places=2), st.integers(min_value=0), foreign_digits)
def test_a_decimal_with_any_non_ascii_digit_is_refused_though_python_reads_it(value, position, digit):
    text = with_a_foreign_digit(f"{value:f}", position, digit)
    assert Decimal(text) == value  # what DRF's DecimalField used to accept
    assert not formats.is_decimal_text(text)
    assert not formats.is_integer_text(text)


@pytest.mark.parametrize(
    "text",
    ["2026-W48-1", "2026-W48", "2026-328", "20261124", "2026-11-24T00:00", "2026-1-24", " 2026-11-24", "2026-11-24 ",
     "٢٠٢٦-١١-٢٤", "２０２６-１１-２４", "2026-02-30", "0000-01-01", "2026/11/24", ""],
)  # fmt: skip
def test_only_yyyy_mm_dd_is_a_date(text):
    assert formats.date_from_text(text) is None


@pytest.mark.parametrize(
    "text, moment",
    [
        ("2024-01-05T08:00:00Z", dt.datetime(2024, 1, 5, 8, tzinfo=dt.UTC)),
        ("2024-01-05t08:00:00z", dt.datetime(2024, 1, 5, 8, tzinfo=dt.UTC)),
        (
            "2024-01-05T08:00:00.250+01:00",
            dt.datetime(2024, 1, 5, 8, 0, 0, 250_000, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        ),
        ("2024-01-05T08:00", dt.datetime(2024, 1, 5, 8)),
    ],
)
def test_iso_8601_date_times_are_read(text, moment):
    # the same instant; compared in UTC, since Python calls two aware moments unequal across zones when one
    # falls in a repeated hour (PEP 495), e.g. 23:00 on the night a zone leaves summer time
    assert formats.datetime_from_text(text).astimezone(dt.UTC) == moment.astimezone(dt.UTC)


@pytest.mark.parametrize(
    "text",
    ["2024-01-05", "2024-01-05 08:00:00Z", "2024-W01-5T08:00:00Z", "20240105T080000Z", "2024-01-05T08:00:00+0100",
     "2024-01-05T08:00:00 Z", "2024-01-05T25:00:00Z", "２０２４-01-05T08:00:00Z", "2024-01-05T08:00:00+01"],
)  # fmt: skip
def test_other_date_time_forms_are_refused(text):
    assert formats.datetime_from_text(text) is None


@pytest.mark.parametrize(
    "text", ["４０", " 41 ", "41 ", "1e3", "+41", "41.", ".5", "4_1", "NaN", "Infinity", "٤١", "41,5"]
)
def test_only_plain_ascii_decimal_strings_are_numbers(text):
    assert not formats.is_decimal_text(text)


# --- through the API -------------------------------------------------------------------------------------------


def sample(farm, **changes) -> dict:
    return {
        "assignment": farm.source.pk,
        "sample_date": "2024-01-14",
        "sample_size": 30,
        "avg_weight_g": 125,
        **changes,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sample_date", ["2024-W02-7", "٢٠٢٤-٠١-١٤", "２０２４-０１-１４", "20240114", "2024-01-14T00:00:00Z"]
)
def test_a_sample_date_in_another_form_is_refused_with_the_reason(operator, farm, sample_date):
    response = operator.post(f"{V1}/batch/growth-samples/", sample(farm, sample_date=sample_date))
    assert errors_by_field(response) == {"sample_date": "invalid"}
    assert "use YYYY-MM-DD with ASCII digits" in response.json()["errors"][0]["detail"]
    assert not GrowthSample.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("weight", ["４０", " 41 ", "41\n", "٤١", "1e2", "4_1"])
def test_a_weight_string_with_spaces_or_other_digits_is_refused(operator, farm, weight):
    response = operator.post(f"{V1}/batch/growth-samples/", sample(farm, avg_weight_g=weight))
    assert errors_by_field(response) == {"avg_weight_g": "invalid"}
    assert "ASCII digits" in response.json()["errors"][0]["detail"]
    assert not GrowthSample.objects.exists()


@pytest.mark.django_db
def test_a_plain_decimal_string_and_a_number_are_both_weights(operator, farm):
    assert operator.post(f"{V1}/batch/growth-samples/", sample(farm, avg_weight_g="125.5")).status_code == 201
    assert (
        operator.post(
            f"{V1}/batch/growth-samples/", sample(farm, sample_date="2024-01-15", avg_weight_g=126.25)
        ).status_code
        == 201
    )
    assert sorted(GrowthSample.objects.values_list("avg_weight_g", flat=True)) == [Decimal("125.50"), Decimal("126.25")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reading_time", ["٢٠٢٤-٠١-٠٥T08:00:00Z", "2024-01-05", "2024-W01-5T08:00:00Z", "2024-01-05 08:00"]
)
def test_a_reading_time_in_another_form_is_refused(operator, farm, reading_time):
    body = {
        "container": farm.source.container_id,
        "parameter": temperature_parameter().pk,
        "reading_time": reading_time,
        "value": 8.0,
    }
    response = operator.post(f"{V1}/environmental/readings/", body)
    assert errors_by_field(response) == {"reading_time": "invalid"}
    assert not EnvironmentalReading.objects.exists()


@pytest.mark.django_db
def test_a_reading_time_with_an_offset_is_stored_as_that_moment(operator, farm):
    body = {
        "container": farm.source.container_id,
        "parameter": temperature_parameter().pk,
        "reading_time": "2024-01-05T09:30:00+01:00",
        "value": 8.0,
    }
    assert operator.post(f"{V1}/environmental/readings/", body).status_code == 201
    assert EnvironmentalReading.objects.get().reading_time == dt.datetime(2024, 1, 5, 8, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_query_dates_and_ids_refuse_other_digits_too(viewer, farm):
    batch = f"{V1}/batch/batches/{farm.batch.pk}"
    assert errors_by_field(viewer.get(f"{batch}/combined-growth-data/", {"start_date": "٢٠٢٤-٠١-٠١"})) == {
        "start_date": "invalid"
    }
    assert errors_by_field(viewer.get(f"{batch}/growth-segments/", {"assignment_id": "٣"})) == {
        "assignment_id": "invalid"
    }
    assert errors_by_field(viewer.get(f"{batch}/projection/", {"assignment_id": " 3"})) == {"assignment_id": "invalid"}
    assert errors_by_field(viewer.get(f"{V1}/batch/growth-samples/", {"date_from": "2024-W01-1"})) == {
        "date_from": "invalid"
    }
    assert errors_by_field(viewer.get(f"{V1}/batch/growth-samples/", {"batch": "１"})) == {"batch": "invalid"}


LOOSE = (
    drf.DateField,
    drf.DateTimeField,
    drf.DecimalField,
    drf.IntegerField,
    drf.FloatField,
    drf.CharField,
    drf.BooleanField,
    drf.ChoiceField,
    drf.TimeField,
    drf.DurationField,
)


def api_serializer_classes():
    for info in pkgutil.iter_modules(api_serializers.__path__):
        module = importlib.import_module(f"{api_serializers.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            concrete = not issubclass(cls, drf_serializers.ModelSerializer) or hasattr(cls, "Meta")
            if issubclass(cls, drf_serializers.Serializer) and cls.__module__ == module.__name__ and concrete:
                yield cls


def writable_fields(serializer, path: str):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        field = getattr(field, "child", field)
        if isinstance(field, drf_serializers.Serializer):
            yield from writable_fields(field, f"{path}.{name}")
        else:
            yield f"{path}.{name}", field


def test_every_field_of_the_api_reads_through_the_strict_fields():
    """No DRF scalar field of its own, which would take other digits, spaces and other forms, reads any input."""
    checked, loose = 0, []
    for cls in api_serializer_classes():
        for path, field in writable_fields(cls(), cls.__name__):
            checked += 1
            if isinstance(field, LOOSE) and type(field).__module__ != fields.__name__:
                loose.append(f"{path}: {type(field).__name__}")
    assert loose == [] and checked > 300
