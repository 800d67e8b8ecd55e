"""The import page (issue 19): managers upload, see the dry run's problems by row and column, confirm; others
are refused; the templates download with one example row; everything from the files is escaped."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from apps.batch.models import Batch, MortalityEvent
from apps.farmio import kinds as K
from apps.farmio.models import ImportJob
from tests.farmio.helpers import SMALL_FARM, small_farm_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def manager_client(client, django_user_model):
    user = django_user_model.objects.create_user("manager", password="pw-long-enough")
    user.groups.add(Group.objects.get(name="manager"))
    client.force_login(user)
    return client


def _upload(client, files):
    return client.post("/imports/", {"files": [SimpleUploadedFile(n, d) for n, d in files]})


def test_a_manager_checks_sees_and_confirms(manager_client, django_capture_on_commit_callbacks):
    assert manager_client.get("/imports/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(manager_client, small_farm_files())
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = manager_client.get(response["Location"]).content.decode()
    assert "CHECKED" in page and "No problems: nothing has been written yet." in page
    assert not Batch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "DONE"
    assert MortalityEvent.objects.count() == 2
    status = manager_client.get(f"/imports/{job.pk}/status/").json()
    assert status == {
        "status": "DONE",
        "progress": {"done": job.progress_done, "total": job.progress_total},
        "open": False,
    }


def test_problems_are_listed_by_row_and_column_and_escaped(manager_client, django_capture_on_commit_callbacks):
    text = SMALL_FARM["containers"].replace("Sound,Pen 2", "<script>alert(1)</script>,Pen 2")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(manager_client, small_farm_files(containers=text))
    page = manager_client.get(response["Location"]).content.decode()
    assert "INVALID" in page and "nothing was written" in page
    assert (
        '<td>containers.csv</td><td>4</td><td>site</td><td class="wrap">&lt;script&gt;alert(1)&lt;/script&gt;</td>'
        in page
    )
    assert "<script>alert(1)" not in page
    assert not Batch.objects.exists()


def test_a_file_of_no_kind_is_refused_on_the_page(manager_client):
    response = _upload(manager_client, [("pens.csv", b"name\nx\n")])
    assert response.status_code == 400
    assert "pens.csv: a CSV file is named after its kind" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_below_manager_the_page_is_refused(user_client):
    assert user_client.get("/imports/").status_code == 403
    assert _upload(user_client, small_farm_files()).status_code == 403
    assert not ImportJob.objects.exists()


def test_every_template_has_its_header_and_one_example_row(user_client):
    for kind in K.FILE_KINDS:
        response = user_client.get(f"/imports/templates/{kind.name}.csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert rows[0] == kind.header and len(rows) == 2
    book = load_workbook(io.BytesIO(user_client.get("/imports/templates/farm.xlsx").content), read_only=True)
    assert book.sheetnames == [k.name for k in K.FILE_KINDS]
    assert user_client.get("/imports/templates/growth_days.csv").status_code == 404
