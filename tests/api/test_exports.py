"""Every list of the API as a file (apps/api/exports.py, docs/api.md "Exports"): ``?format=csv`` and
``?format=xlsx`` give the JSON list's rows (same columns, same values, the same filters), unpaginated, the CSV
streamed in chunks, formulas neutralised, and a bad format or filter is a 400 in the JSON error shape."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.api.urls import ROUTES
from apps.batch.models import ActualDailyAssignmentState
from apps.recompute.run import batch_recompute
from tests.api.conftest import day, errors_by_field
from tests.factories import (
    AssignmentFactory,
    FeedingEventFactory,
    GrowthSampleFactory,
    MortalityEventFactory,
    TreatmentFactory,
    reading,
)

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def recorded(farm):
    """The farm with one record of every kind an export lists, its states computed."""
    GrowthSampleFactory(assignment=farm.source, sample_date=day(10), avg_weight_g=Decimal("130.00"))
    MortalityEventFactory(assignment=farm.source, event_date=day(12), count=40, notes=FORMULA)
    FeedingEventFactory(assignment=farm.dest, feeding_date=day(35))
    TreatmentFactory(assignment=farm.dest, treatment_date=day(40))
    reading(farm.dest.container, dt.datetime(2024, 2, 5, 8, tzinfo=dt.UTC), 9.5)
    farm.batch.notes = FORMULA
    farm.batch.save()
    batch_recompute(batch_id=farm.batch.pk, today=day(60))
    return farm


def json_rows(client, url: str, params: dict | None = None) -> list[dict]:
    """Every row of a list, page after page."""
    rows, page = [], 1
    while True:
        response = client.get(url, {**(params or {}), "page": page, "page_size": 1000})
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        page += 1


def csv_table(response) -> tuple[list[str], list[list[str]]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text[1:])))
    return header, rows


def xlsx_table(response) -> tuple[list[str], list[list]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(body), read_only=True)
    header, *rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    return header, rows


def safe(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def same_csv_cell(cell: str, value) -> bool:
    """A CSV cell holds the JSON value: numbers by value, nested values as JSON, text neutralised."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, (int, float)):
        return Decimal(cell) == Decimal(str(value))
    if isinstance(value, (dict, list)):
        return json.loads(cell) == value
    return cell == safe(value)


def same_xlsx_cell(cell, value) -> bool:
    if value is None or value == "":
        return cell is None or cell == ""  # a workbook keeps no empty text
    if isinstance(value, bool):
        return cell is value
    if isinstance(value, (int, float)):
        return cell == pytest.approx(value)
    if isinstance(value, (dict, list)):
        return json.loads(cell) == value
    if isinstance(cell, dt.datetime):  # a date, or a time as the farm's clock shows it (Excel keeps milliseconds)
        stored = dt.datetime.fromisoformat(value).replace(tzinfo=None)
        return abs(cell - stored) <= dt.timedelta(milliseconds=1)
    return cell == safe(value)


LISTS = [prefix for prefix, viewset in ROUTES if viewset.queryset is not None]  # not the write-only day entries


@pytest.mark.parametrize("prefix", LISTS)
def test_every_list_exports_the_json_rows_as_csv_and_excel(viewer, recorded, prefix):
    url = f"{V1}/{prefix}/"
    expected = json_rows(viewer, url)
    header, rows = csv_table(viewer.get(url, {"format": "csv"}))
    if expected:
        assert header == list(expected[0])
    assert len(rows) == len(expected)
    for row, obj in zip(rows, expected):
        bad = [name for name, cell in zip(header, row) if not same_csv_cell(cell, obj[name])]
        assert not bad, (prefix, bad, row, obj)

    header_x, rows_x = xlsx_table(viewer.get(url, {"format": "xlsx"}))
    assert header_x == header and len(rows_x) == len(expected)
    for row, obj in zip(rows_x, expected):
        bad = [name for name, cell in zip(header, row) if not same_xlsx_cell(cell, obj[name])]
        assert not bad, (prefix, bad, row, obj)


def test_the_lists_that_hold_records_are_not_empty_in_the_fixture(viewer, recorded):
    """The comparison above compares rows, not only headers, for the record kinds of issue 19."""
    for prefix in (
        "infrastructure/sites",
        "infrastructure/containers",
        "batch/batches",
        "batch/assignments",
        "batch/growth-samples",
        "batch/transfers",
        "batch/mortality-events",
        "batch/daily-states",
        "health/treatments",
        "inventory/feeding-events",
        "environmental/readings",
        "scenario/scenarios",
        "scenario/temperature-profile-days",
    ):
        assert json_rows(viewer, f"{V1}/{prefix}/"), prefix


@pytest.mark.parametrize(
    "params",
    [
        lambda f: {"batch": f.batch.pk},
        lambda f: {"container": f.dest.container_id},
        lambda f: {"site": f.source.container.site_id},
        lambda f: {"assignment": f.source.pk, "date_from": "2024-01-05", "date_to": "2024-01-20"},
        lambda f: {"batch": 999_999},
    ],
)
def test_the_state_export_honours_the_lists_filters(viewer, recorded, params):
    query = params(recorded)
    expected = [r["id"] for r in json_rows(viewer, f"{V1}/batch/daily-states/", query)]
    header, rows = csv_table(viewer.get(f"{V1}/batch/daily-states/", {**query, "format": "csv"}))
    assert [int(r[header.index("id")]) for r in rows] == expected
    _, rows_x = xlsx_table(viewer.get(f"{V1}/batch/daily-states/", {**query, "format": "xlsx"}))
    assert [r[0] for r in rows_x] == expected


def test_the_site_filter_keeps_the_sites_records(viewer, recorded):
    """``site`` (added for the exports) selects by the container's site, on states and on events."""
    other = AssignmentFactory()
    MortalityEventFactory(assignment=other, event_date=other.assignment_date, count=1)
    site = recorded.source.container.site_id
    states = ActualDailyAssignmentState.objects.filter(container__site_id=site)
    got = [r["id"] for r in json_rows(viewer, f"{V1}/batch/daily-states/", {"site": site})]
    assert sorted(got) == sorted(states.values_list("id", flat=True)) and got
    events = json_rows(viewer, f"{V1}/batch/mortality-events/", {"site": other.container.site_id})
    assert [e["assignment"] for e in events] == [other.pk]


def test_text_that_a_spreadsheet_would_run_is_neutralised(viewer, recorded):
    header, rows = csv_table(viewer.get(f"{V1}/batch/batches/", {"format": "csv"}))
    assert rows[0][header.index("notes")] == "'" + FORMULA
    header, rows = xlsx_table(viewer.get(f"{V1}/batch/mortality-events/", {"format": "xlsx"}))
    assert rows[0][header.index("notes")] == "'" + FORMULA


def test_a_large_export_streams_in_chunks(viewer, recorded):
    """Each 500 rows leave as their own chunk, produced as the client reads (a generator, not a list)."""
    for _ in range(12):
        AssignmentFactory(batch=recorded.batch, assignment_date=day(1), departure_date=day(150))
    batch_recompute(batch_id=recorded.batch.pk, today=day(150))
    total = ActualDailyAssignmentState.objects.filter(batch_id=recorded.batch.pk).count()
    assert total > 1500
    response = viewer.get(f"{V1}/batch/daily-states/", {"batch": recorded.batch.pk, "format": "csv"})
    assert response.streaming
    chunks = iter(response.streaming_content)
    first = next(chunks)  # the header alone: nothing else has been read yet
    assert first.decode("utf-8").startswith("\ufeffid,assignment,batch,container,date")
    rest = list(chunks)
    assert len(rest) >= 3
    assert sum(c.count(b"\r\n") for c in rest) == total
    xlsx = viewer.get(f"{V1}/batch/daily-states/", {"batch": recorded.batch.pk, "format": "xlsx"})
    assert xlsx.streaming and len(xlsx_table(xlsx)[1]) == total


def test_an_accept_header_selects_the_file_too(viewer, recorded):
    response = viewer.get(f"{V1}/infrastructure/sites/", HTTP_ACCEPT="text/csv")
    header, rows = csv_table(response)
    assert header[:2] == ["id", "name"] and len(rows) == len(json_rows(viewer, f"{V1}/infrastructure/sites/"))


@pytest.mark.parametrize(
    ("path", "params", "field", "code"),
    [
        ("batch/daily-states/", {"format": "pdf"}, "format", "invalid_choice"),
        ("batch/daily-states/", {"format": "csv", "date_from": "2024-13-01"}, "date_from", "invalid"),
        ("batch/daily-states/", {"format": "xlsx", "batch": "1.0"}, "batch", "invalid"),
        ("batch/daily-states/", {"format": ""}, "format", "invalid_choice"),
        ("scenario/mortality-models/", {"format": "csv", "page": "null"}, "page", "invalid"),
        ("batch/daily-states/", {"format": "xlsx", "page_size": "5000"}, "page_size", "max_value"),
        ("forecast/summary/", {"format": "csv", "site": "999999"}, "site", "does_not_exist"),
    ],
)
def test_bad_parameters_are_a_json_400_naming_them(viewer, recorded, path, params, field, code):
    response = viewer.get(f"{V1}/{path}", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert errors_by_field(response) == {field: code}


def test_a_detail_is_not_a_file(viewer, recorded):
    """``format`` is a parameter of the lists only; elsewhere it is ignored like any unknown parameter."""
    response = viewer.get(f"{V1}/batch/batches/{recorded.batch.pk}/", {"format": "csv"})
    assert response.status_code == 200 and response.json()["id"] == recorded.batch.pk


def test_an_unknown_format_names_the_ones_there_are(viewer, recorded):
    response = viewer.get(f"{V1}/batch/daily-states/", {"format": "pdf"})
    assert response.json()["errors"][0]["detail"] == "'pdf' is not a format of this endpoint: json, csv, xlsx."


def test_an_anonymous_export_is_refused_in_json(client, recorded):
    response = client.get(f"{V1}/batch/daily-states/", {"format": "csv"})
    assert response.status_code in (401, 403) and response["Content-Type"] == "application/json"


def test_growth_segments_projection_and_summaries_export(viewer, recorded):
    """The endpoints that are not lists: the same figures as their JSON, one row per segment, per projected day
    (``weight_g.p50`` ...), per ISO week and kind, per assignment."""
    batch = recorded.batch.pk
    GrowthSampleFactory(assignment=recorded.dest, sample_date=day(45), avg_weight_g=Decimal("250.00"))
    batch_recompute(batch_id=batch, today=dt.date(2024, 2, 20))  # the destination still there: a projection
    base = f"{V1}/batch/batches/{batch}"
    segments = viewer.get(f"{base}/growth-segments/").json()
    header, rows = csv_table_plain(viewer.get(f"{base}/growth-segments/", {"format": "csv"}))
    assert len(rows) == len(segments) > 0
    if segments:
        assert header == list(segments[0])
        for row, obj in zip(rows, segments):
            assert all(same_csv_cell(c, obj[n]) for n, c in zip(header, row))

    projection = viewer.get(f"{base}/projection/").json()
    header, rows = csv_table_plain(viewer.get(f"{base}/projection/", {"format": "csv"}))
    expected = [p for p in [projection["total"], *projection["assignments"]] if p]
    assert len(rows) == sum(len(p["series"]["stage_ids"]) for p in expected) > 0
    if rows:
        first = dict(zip(header, rows[0]))
        p = expected[0]
        assert first["date"] == p["first_date"]
        assert Decimal(first["weight_g.p50"]) == Decimal(str(p["series"]["weight_g"]["p50"][0]))

    summary = viewer.get(f"{V1}/forecast/summary/").json()
    header, rows = csv_table_plain(viewer.get(f"{V1}/forecast/summary/", {"format": "csv"}))
    assert len(rows) == 2 * (len(summary["weeks"]) + 1)
    by_week = {(r[header.index("week")], r[header.index("kind")]): dict(zip(header, r)) for r in rows}
    for week in summary["weeks"]:
        for kind in ("harvest", "sea_transfer"):
            got = by_week[(week["week"], kind)]
            assert int(got["assignments"]) == week[kind]["assignments"]
            assert Decimal(got["biomass_kg.p50"]) == Decimal(str(week[kind]["biomass_kg"]["p50"]))

    batch_summary = viewer.get(f"{base}/forecast-summary/").json()
    _, rows = xlsx_table(viewer.get(f"{base}/forecast-summary/", {"format": "xlsx"}))
    assert len(rows) == len(batch_summary["assignments"])


def csv_table_plain(response) -> tuple[list[str], list[list[str]]]:
    """A small export rendered whole (not streamed)."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    return header, rows


def test_the_schema_documents_the_formats(viewer):
    from drf_spectacular.generators import SchemaGenerator  # noqa: PLC0415

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    listing = paths["/api/v1/batch/daily-states/"]["get"]
    (fmt,) = [p for p in listing["parameters"] if p["name"] == "format"]
    assert set(fmt["schema"]["enum"]) == {"json", "csv", "xlsx"}
    content = listing["responses"]["200"]["content"]
    assert content["text/csv"]["schema"]["type"] == "string"
    assert (
        "invalid_choice"
        in listing["responses"]["400"]["content"]["application/json"]["schema"]["properties"]["errors"]["items"][
            "properties"
        ]["code"]["enum"]
    )
    detail = paths["/api/v1/batch/daily-states/{id}/"]["get"]
    assert "format" not in {p["name"] for p in detail.get("parameters", [])}


@pytest.mark.parametrize("xlsx", [False, True])
def test_the_plain_lists_rows_from_values_equal_the_serializers_rows(recorded, xlsx):
    """The fast path (``values_rows``: ``values_list`` and each serializer field's ``to_representation``) gives
    the very rows the serializer gives, cell for cell, for every list it takes; the daily states are one."""
    from apps.api.exports import serialized_rows, values_rows
    from apps.api.views.crud import AuthoredMixin
    from apps.audit.history import with_authors

    plain = []
    for prefix, viewset in ROUTES:
        if viewset.queryset is None or viewset.serializer_class is None:
            continue
        serializer = viewset.serializer_class()
        queryset = viewset.queryset.all()
        if issubclass(viewset, AuthoredMixin):
            queryset = with_authors(queryset)  # the events' lists: who entered and changed each row
        fast = values_rows(serializer, queryset, xlsx=xlsx)
        if fast is None:
            continue
        plain.append(prefix)
        header, rows = serialized_rows(serializer, queryset.iterator(), xlsx=xlsx)
        fast_header, fast_rows = fast
        assert fast_header == header, prefix
        assert list(fast_rows) == list(rows), prefix
    assert {"batch/daily-states", "batch/mortality-events", "inventory/feeding-events"} <= set(plain), plain
    assert "environmental/readings" in plain and len(plain) > 15, plain
    assert ActualDailyAssignmentState.objects.count() > 50
