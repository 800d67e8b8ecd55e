"""The monthly site report's API (``/api/v1/reports/site-month/``: JSON, CSV, Excel) and pages (the picker, one site,
every site), on a small farm whose month is known by hand: a tank of 10,000 fish placed on 1 January 2024, 40
recorded deaths on the 12th, 9,000 moved alive (10 dead in handling) on the 30th to a tank at another site."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.batch.models import ActualDailyAssignmentState
from apps.recompute.run import batch_recompute
from apps.reports.monthly import COLUMNS, DEATH_CAUSES
from tests.api.conftest import day, errors_by_field
from tests.factories import FeedingEventFactory, MortalityEventFactory, TreatmentFactory
from tests.web.test_csp import inline_parts

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/site-month/"


@pytest.fixture
def january(farm):
    MortalityEventFactory(assignment=farm.source, event_date=day(12), count=40, cause="DISEASE")
    FeedingEventFactory(assignment=farm.source, feeding_date=day(5), amount_kg=Decimal("12.500"))
    TreatmentFactory(assignment=farm.source, treatment_date=day(20), description='=HYPERLINK("x")')
    batch_recompute(batch_id=farm.batch.pk, today=day(60))
    return farm


def test_the_json_report_of_the_source_site_in_january(viewer, january):
    farm = january
    site = farm.source.container.site
    body = viewer.get(URL, {"site": site.pk, "month": "2024-01"}).json()
    assert body["site_id"] == site.pk and body["first_date"] == "2024-01-01" and body["last_date"] == "2024-01-31"
    total = body["total"]
    [batch] = body["batches"]
    assert batch["batch"] == farm.batch.batch_number and total["batch"] == "ALL"
    states = ActualDailyAssignmentState.objects.filter(assignment=farm.source)
    assert total["opening_fish"] == 0 and total["stocked_fish"] == 10_000
    assert total["transfers_out_fish"] == 9_000 and total["deaths_transfer_handling_fish"] == 10
    assert total["deaths_disease_fish"] == 40
    model_deaths = sum(s.mortality_count for s in states) - 40
    assert total["deaths_estimated_fish"] == model_deaths
    left = states.get(date=day(29)).population - 9_010  # the source departs on the transfer's day
    assert total["harvested_fish"] == max(0, left) and total["closing_fish"] == 0
    assert total["difference_fish"] == max(0, -left)
    assert Decimal(str(total["feed_kg"])) == Decimal("12.500")
    assert total["treatments"].endswith("×1")
    assert body["treatments"][0]["description"] == '=HYPERLINK("x")'  # JSON is data; files neutralise it


def test_the_destination_site_receives_the_fish_in_january(viewer, january):
    site = january.dest.container.site
    total = viewer.get(URL, {"site": site.pk, "month": "2024-01"}).json()["total"]
    closing = ActualDailyAssignmentState.objects.get(assignment=january.dest, date=day(31))
    assert total["transfers_in_fish"] == 9_000 and total["closing_fish"] == closing.population
    arrival = ActualDailyAssignmentState.objects.get(assignment=january.dest, date=day(30))
    assert Decimal(str(total["transfers_in_biomass_kg"])) == (9_000 * arrival.avg_weight_g / 1000).quantize(
        Decimal("0.01")
    )


def test_csv_and_excel_hold_the_same_table(viewer, january):
    site = january.source.container.site
    body = viewer.get(URL, {"site": site.pk, "month": "2024-01"}).json()
    expected = [*body["batches"], body["total"]]
    response = viewer.get(URL, {"site": site.pk, "month": "2024-01", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="site-month-report-' in response["Content-Disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").removeprefix("\ufeff"))))
    assert header == list(COLUMNS) and len(rows) == len(expected)
    for row, line in zip(rows, expected):
        for name, cell in zip(header, row):
            value = line[name]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert Decimal(cell) == Decimal(str(value)), name
            elif value is None:
                assert cell == ""
            else:
                assert cell == value, name
    book = load_workbook(io.BytesIO(viewer.get(URL, {"site": site.pk, "month": "2024-01", "format": "xlsx"}).content))
    sheet_rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(sheet_rows[0]) == list(COLUMNS) and sheet_rows[-1][COLUMNS.index("batch")] == "ALL"
    assert sheet_rows[-1][COLUMNS.index("closing_fish")] == body["total"]["closing_fish"]
    assert {f"deaths_{c.lower()}_fish" for c in DEATH_CAUSES} <= set(COLUMNS)


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"site": None, "month": "2024-01"}, "site", "required"),
        ({"site": "999999", "month": "2024-01"}, "site", "does_not_exist"),
        ({"site": "abc", "month": "2024-01"}, "site", "invalid"),
        ({"month": "2024-13"}, "month", "invalid"),
        ({"month": "1989-12"}, "month", "invalid"),
        ({"month": "2024-1"}, "month", "invalid"),
        ({"month": "٢٠٢٤-٠١"}, "month", "invalid"),
        ({"month": ""}, "month", "blank"),
        ({"month": "2024-01", "format": "pdf"}, "format", "invalid_choice"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(viewer, january, params, field, code):
    params = {k: v for k, v in {"site": january.source.container.site_id, **params}.items() if v is not None}
    response = viewer.get(URL, params)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert errors_by_field(response).get(field) == code


def test_the_page_shows_the_site_and_links_its_files(client, django_user_model, january):
    client.force_login(django_user_model.objects.create_user("reader"))
    site = january.source.container.site
    page = client.get(f"/reports/sites/{site.pk}/2024-01/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/api/v1/reports/site-month/?site={site.pk}&amp;month=2024-01&amp;format=csv"' in html
    assert 'data-line="closing_fish"' in html and '<td class="num">10,000</td>' in html  # stocked, the pages' digits
    assert "=HYPERLINK(&quot;x&quot;)" in html  # escaped, shown as text
    assert inline_parts(html) == []  # no inline script or style (the frame's scripts come from /static/)
    every = client.get("/reports/2024-01/").content.decode()
    assert every.count('class="site-report"') == 2


def test_the_picker_sends_to_the_report_and_refuses_bad_choices(client, django_user_model, january):
    client.force_login(django_user_model.objects.create_user("reader"))
    site = january.source.container.site
    assert client.get("/reports/").status_code == 200
    assert client.get("/reports/", {"site": site.pk, "month": "2024-01"}).url == f"/reports/sites/{site.pk}/2024-01/"
    assert client.get("/reports/", {"site": "", "month": "2024-01"}).url == "/reports/2024-01/"
    for bad in ({"site": site.pk, "month": "2024-13"}, {"site": "99999999", "month": "2024-01"}, {"month": "x"}):
        page = client.get("/reports/", bad)
        assert page.status_code == 400 and b'role="alert"' in page.content
    assert client.get(f"/reports/sites/{site.pk}/2024-00/").status_code == 400
    assert client.get("/reports/sites/99999/2024-01/").status_code == 404


def test_the_print_stylesheet_puts_one_site_per_page():
    from pathlib import Path  # noqa: PLC0415

    css = (Path(__file__).resolve().parents[2] / "apps/web/static/web/site.css").read_text()
    assert "@media print" in css and ".site-report{break-after:page" in css
