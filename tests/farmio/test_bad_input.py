"""Bad input (issue 19): each gets a report naming the file, row and column, and nothing is saved. A changed row
updates its record and marks exactly what it reaches."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from apps.batch.models import (
    ActualDailyAssignmentState,
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    GrowthSampleCast,
    MortalityEvent,
    RecomputeMarker,
)
from apps.farmio.importing import files_import
from apps.farmio.models import ExternalId
from apps.infrastructure.models import Site
from tests.farmio.helpers import SMALL_FARM, small_farm_files

pytestmark = pytest.mark.django_db


def _nothing_saved() -> bool:
    return not (Site.objects.exists() or Batch.objects.exists() or MortalityEvent.objects.exists())


def _problems(result) -> list[tuple]:
    return [(p.file, p.row, p.column, p.reason) for p in result.problems]


def _only_problem(files) -> tuple:
    result = files_import(files, dry_run=False)
    assert not result.ok and not result.written
    assert _nothing_saved()
    assert len(result.problems) == 1, result.problems
    p = result.problems[0]
    return p.file, p.row, p.column, p.value, p.reason


def test_the_small_farm_imports_clean_and_writes_in_one_go():
    result = files_import(small_farm_files(), dry_run=False)
    assert result.ok, result.problems
    assert BatchContainerAssignment.objects.count() == 2
    assert sorted(MortalityEvent.objects.values_list("count", flat=True)) == [5, 40]
    assert result.batches_recomputed == 1 and result.recompute_errors == 0
    assert RecomputeMarker.objects.count() == 0
    tank = BatchContainerAssignment.objects.get(container__name="Tank 1")
    assert tank.daily_states.count() == (dt.date(2025, 3, 1) - dt.date(2025, 1, 1)).days
    assert result.state_rows == ActualDailyAssignmentState.objects.count()


def test_several_casts_a_day_make_the_days_growth_sample_by_the_projects_rule():
    assert files_import(small_farm_files(), dry_run=False).ok
    day = GrowthSample.objects.get(sample_date=dt.date(2025, 2, 1))
    # 50 fish; mean (30·35 + 20·40) / 50 = 37; pooled s² = (29·16 + 19·25 + 30·2² + 20·3²) / 49 = 1239 / 49
    assert (day.sample_size, day.avg_weight_g, day.std_dev_weight_g) == (50, Decimal("37.00"), Decimal("5.03"))
    assert sorted(day.casts.values_list("fish_weighed", "avg_weight_g")) == [
        (20, Decimal("40.00")),
        (30, Decimal("35.00")),
    ]
    assert GrowthSample.objects.get(sample_date=dt.date(2025, 4, 1)).casts.count() == 1


def test_a_cast_weighed_fish_by_fish_and_one_more_cast_of_a_stored_day():
    assert files_import(small_farm_files(), dry_run=False).ok
    more = (
        "batch_number,site,container,sample_date,fish_weighed,avg_weight_g,std_dev_weight_g,weights_g\n"
        "B1,Sound,Pen 1,2025-04-01,3,92.00,2.00,90;92;94\n"
    )
    result = files_import([("growth_samples.csv", more.encode())], dry_run=False)
    assert result.ok, result.problems
    assert result.counts["growth_days"] == {"created": 0, "updated": 1, "unchanged": 0}
    day = GrowthSample.objects.get(sample_date=dt.date(2025, 4, 1))
    assert (day.sample_size, day.avg_weight_g) == (33, Decimal("90.18"))  # (30·90 + 3·92) / 33 = 90.18
    wrong = more.replace("92.00,2.00,90;92;94", "91.00,2.00,90;92;94")
    refused = files_import([("growth_samples.csv", wrong.encode())], dry_run=True)
    assert [(p.row, p.column) for p in refused.problems] == [(2, "avg_weight_g")]


def test_a_dry_run_writes_nothing_and_reports_what_it_would_do():
    result = files_import(small_farm_files(), dry_run=True)
    assert result.ok and not result.written
    assert result.counts["mortality"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert _nothing_saved()


def test_a_wrong_header_names_the_column():
    text = SMALL_FARM["sites"].replace("kind", "knd")
    result = files_import(small_farm_files(sites=text), dry_run=False)
    assert ("sites.csv", 1, "knd") in [p[:3] for p in _problems(result)]
    assert ("sites.csv", 1, "kind", "a required column is missing from the header") in _problems(result)
    assert _nothing_saved()


def test_an_unknown_site():
    text = SMALL_FARM["containers"].replace("Sound,Pen 2", "Sund,Pen 2")
    assert _only_problem(small_farm_files(containers=text)) == (
        "containers.csv",
        4,
        "site",
        "Sund",
        "no site named “Sund”",
    )


@pytest.mark.parametrize(
    ("date", "reason"),
    [
        ("1989-12-31", "1989-12-31 is before 1990-01-01, the earliest date AquaMind accepts."),
        ("2199-01-01", "2199-01-01 is in the future"),
        ("2025-02-30", "invalid date"),
    ],
)
def test_a_date_outside_the_domain(date, reason):
    text = SMALL_FARM["mortality"].replace("2025-01-10", date)
    file, row, column, value, message = _only_problem(small_farm_files(mortality=text))
    assert (file, row, column, value) == ("mortality.csv", 2, "event_date", date)
    assert reason in message


def test_an_event_outside_its_assignments_days():
    text = SMALL_FARM["mortality"].replace("Tank 1,2025-01-10", "Tank 1,2025-03-05")
    file, row, column, value, reason = _only_problem(small_farm_files(mortality=text))
    assert (file, row, column) == ("mortality.csv", 2, "event_date")
    assert reason == "2025-03-05 is outside the assignment's days (2025-01-01 before 2025-03-01)."


def test_more_deaths_than_the_population():
    # 1000 placed, 40 dead, then 900 + 10 moved out on 2025-03-01: 50 left, and 51 more cannot die
    text = SMALL_FARM["mortality"] + "m3,B1,Hatchery,Tank 1,2025-02-27,51,UNKNOWN\n"
    file, row, column, value, reason = _only_problem(small_farm_files(mortality=text))
    assert (file, row, column, value) == ("mortality.csv", 4, "count_fish", "51")
    assert reason == (
        "51 deaths, but only 50 can go on 2025-02-27 without the transfers and deaths recorded later taking more "
        "fish than the assignment received."
    )


def test_more_deaths_than_the_fish_on_the_day_itself():
    text = SMALL_FARM["mortality"] + "m3,B1,Sound,Pen 1,2025-03-21,896,UNKNOWN\n"
    file, row, column, value, reason = _only_problem(small_farm_files(mortality=text))
    assert (file, row, column, value) == ("mortality.csv", 4, "count_fish", "896")
    assert reason == "896 deaths, but the assignment holds 895 fish on 2025-03-21."


def test_a_duplicate_row():
    line = SMALL_FARM["mortality"].splitlines()[1]
    file, row, column, value, reason = _only_problem(small_farm_files(mortality=SMALL_FARM["mortality"] + line + "\n"))
    assert (file, row) == ("mortality.csv", 4)
    assert reason == "the same row as row 2: a duplicate row"


def test_two_casts_with_the_same_figures_are_two_weighings_and_a_re_import_keeps_them():
    """A regression: the faroe demo farm weighs such casts, and its round trip was refused as duplicate rows."""
    text = SMALL_FARM["growth_samples"] + "B1,Hatchery,Tank 1,2025-02-01,20,40.00,5.00\n"
    files = small_farm_files(growth_samples=text)
    result = files_import(files, dry_run=False)
    assert result.ok, result.problems
    day = GrowthSample.objects.get(sample_date=dt.date(2025, 2, 1))
    assert sorted(GrowthSampleCast.objects.filter(sample=day).values_list("fish_weighed", flat=True)) == [20, 20, 30]
    assert day.sample_size == 70
    again = files_import(files, dry_run=False)
    assert again.ok and again.counts["growth_samples"] == {"created": 0, "updated": 0, "unchanged": 4}


def test_a_duplicate_natural_key():
    text = SMALL_FARM["sites"] + "Sound,FRESHWATER\n"
    assert _only_problem(small_farm_files(sites=text)) == (
        "sites.csv",
        4,
        "name",
        "Sound",
        "the same name as row 3: a duplicate row",
    )


def test_a_duplicate_external_id():
    text = SMALL_FARM["mortality"].replace("m2,", "m1,")
    assert _only_problem(small_farm_files(mortality=text))[:3] == ("mortality.csv", 3, "external_id")


def test_a_half_written_line():
    text = SMALL_FARM["mortality"] + "m3,B1,Sound,Pen 1,2025-03"
    file, row, column, value, reason = _only_problem(small_farm_files(mortality=text))
    assert (file, row) == ("mortality.csv", 4)
    assert "half-written line" in reason


def test_a_half_written_quoted_line():
    text = SMALL_FARM["mortality"] + 'm3,B1,Sound,Pen 1,2025-03-21,1,UNKNOWN,"never closed\n'
    file, row, column, value, reason = _only_problem(small_farm_files(mortality=text))
    assert (file, row) == ("mortality.csv", 4) and "half-written line" in reason


def test_too_large_a_file(settings):
    settings.IMPORT_MAX_BYTES = 2000
    big = SMALL_FARM["mortality"] + "".join(f"x{i},B1,Sound,Pen 1,2025-03-2{i % 9},1,UNKNOWN\n" for i in range(100))
    file, row, column, value, reason = _only_problem(small_farm_files(mortality=big))
    assert file == "mortality.csv" and reason == "the file is larger than the limit of 2,000 bytes"


def _zip_bomb() -> bytes:
    """A workbook-shaped zip whose one member unpacks to 200 MB of zeros (about 200 KB compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * 1_000_000
            for _ in range(200):
                member.write(block)
    return out.getvalue()


def test_an_xlsx_zip_bomb_is_refused_from_its_directory():
    data = _zip_bomb()
    assert len(data) < 1_000_000
    file, row, column, value, reason = _only_problem([("mortality.xlsx", data)])
    assert file == "mortality.xlsx" and value == "xl/worksheets/sheet1.xml"
    assert "a zip bomb?" in reason


def _workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "sites"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_formula_cell_is_refused_never_evaluated():
    data = _workbook([["name", "kind"], ["=cmd|' /C calc'!A0", "SEA"]])
    file, row, column, value, reason = _only_problem([("farm.xlsx", data)])
    assert (file, row, column) == ("farm.xlsx:sites", 2, "name")
    assert value.startswith("=cmd|") and "never evaluated" in reason


def test_a_csv_formula_cell_is_refused():
    text = "name,kind\n=cmd|' /C calc'!A0,SEA\n"
    file, row, column, value, reason = _only_problem([("sites.csv", text.encode())])
    assert (file, row, column) == ("sites.csv", 2, "name") and "never evaluated" in reason


def test_a_neutralised_formula_is_read_back_as_the_text():
    result = files_import([("sites.csv", b"name,kind\n'=SUM(A1),SEA\n")], dry_run=False)
    assert result.ok
    assert list(Site.objects.values_list("name", flat=True)) == ["=SUM(A1)"]


def test_an_xlsx_workbook_imports_like_csv():
    data = _workbook([["name", "kind"], ["Sound", "SEA"], ["Hatchery", "FRESHWATER"]])
    result = files_import([("farm.xlsx", data)], dry_run=False)
    assert result.ok, result.problems
    assert sorted(Site.objects.values_list("name", "kind")) == [("Hatchery", "FRESHWATER"), ("Sound", "SEA")]


def test_an_unknown_kind_of_file():
    assert _only_problem([("pens.csv", b"name\nx\n")])[4].startswith("unknown kind of file")


def test_many_problems_are_all_reported_with_their_rows():
    text = SMALL_FARM["mortality"] + "m3,B1,Sound,Pen 1,2025-03-21,-4,UNKNOWN\nm4,B1,Sound,Pen 1,2025-03-22,2,SHARKS\n"
    result = files_import(small_farm_files(mortality=text), dry_run=False)
    assert [(p.row, p.column) for p in result.problems] == [(4, "count_fish"), (5, "cause")]
    assert _nothing_saved()


def test_a_changed_row_updates_its_record_and_marks_exactly_its_reach(monkeypatch):
    assert files_import(small_farm_files(), dry_run=False).ok
    ids = dict(ExternalId.objects.filter(kind="mortality").values_list("external_id", "object_id"))
    pen = BatchContainerAssignment.objects.get(container__name="Pen 1")
    unchanged = files_import(small_farm_files(), dry_run=False)
    assert unchanged.assignments_marked == 0 and RecomputeMarker.objects.count() == 0

    text = SMALL_FARM["mortality"].replace("2025-03-20,5,", "2025-04-02,7,")
    changed = files_import(small_farm_files(mortality=text), dry_run=True)
    assert changed.counts["mortality"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert MortalityEvent.objects.get(pk=ids["m2"]).count == 5  # a dry run
    batch_ids = []

    def hold(batches, **kwargs):  # the marks, seen before the drain clears them
        batch_ids.extend(batches)
        return {"rows": 0, "errors": 0}

    monkeypatch.setattr("apps.farmio.importing.drain_marked", hold)
    files_import(small_farm_files(mortality=text), dry_run=False)
    event = MortalityEvent.objects.get(pk=ids["m2"])
    assert (event.event_date, event.count) == (dt.date(2025, 4, 2), 7)
    assert MortalityEvent.objects.count() == 2
    assert list(RecomputeMarker.objects.values_list("assignment_id", "dirty_from")) == [(pen.pk, dt.date(2025, 3, 20))]
    assert batch_ids == [pen.batch_id]
