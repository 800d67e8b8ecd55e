"""The record pages (issue 21, pen-side entry): what they list and preselect, what they link to, and that a
hostile name stays text. The browser drives them in tests/integration/test_record_browser.py."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from apps.web.reads.record import site_pens
from tests.factories import AssignmentFactory, ContainerFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(salmon):
    """A site with two pens holding fish today, one emptied yesterday and one that was never used."""
    today = timezone.localdate()
    site = SiteFactory(name="Viðvík <b>")
    pens = {}
    for name, start, end in (
        ("Pen 2", today - dt.timedelta(days=40), None),
        ("Pen 1", today - dt.timedelta(days=10), None),
        ("Pen 3", today - dt.timedelta(days=40), today),  # departed today: not held today
    ):
        pens[name] = AssignmentFactory(
            container=ContainerFactory(site=site, name=name),
            assignment_date=start,
            departure_date=end,
            batch__start_date=today - dt.timedelta(days=40),
        )
    ContainerFactory(site=site, name="Pen 4")
    return site, pens


def test_the_pens_of_a_site_are_the_containers_holding_fish_that_day_by_name(site, django_assert_num_queries):
    the_site, pens = site
    with django_assert_num_queries(1):
        listed = site_pens(site_id=the_site.pk, day=timezone.localdate())
    assert [(p.container, p.assignment_id) for p in listed] == [
        ("Pen 1", pens["Pen 1"].pk),
        ("Pen 2", pens["Pen 2"].pk),
    ]
    yesterday = site_pens(site_id=the_site.pk, day=timezone.localdate() - dt.timedelta(days=1))
    assert [p.container for p in yesterday] == ["Pen 1", "Pen 2", "Pen 3"]


def selected(html: str, form_id: str, name: str) -> str | None:
    form = html.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    field = re.search(rf'<(?:select|input)[^>]*name="{re.escape(name)}"[^>]*>(.*?)(?:</select>|$)', form, re.S)
    chosen = re.search(r'<option value="(\d+)"[^>]*selected', field.group(1)) if field else None
    if chosen:
        return chosen.group(1)
    value = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', form)
    return value.group(1) if value else None


def test_the_container_page_preselects_this_container_and_today_in_every_form(user_client, site):
    the_site, pens = site
    pen = pens["Pen 2"]
    html = user_client.get(f"/containers/{pen.container_id}/record/").content.decode()
    today = timezone.localdate().isoformat()
    for form_id, day in (
        ("form-cast", "sample_date"),
        ("form-mortality", "event_date"),
        ("form-feeding", "feeding_date"),
    ):
        assert selected(html, form_id, "assignment") == str(pen.pk), form_id
        assert selected(html, form_id, "assignment") and f'name="{day}" value="{today}"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "Viðvík &lt;b&gt;" in html and "Viðvík <b>" not in html
    assert f'href="/sites/{the_site.pk}/record/"' in html


def test_an_empty_container_says_so_and_still_offers_the_sites_pens(user_client, site):
    the_site, pens = site
    html = user_client.get(f"/containers/{pens['Pen 3'].container_id}/record/").content.decode()
    assert "Pen 3 holds no fish today" in html
    assert selected(html, "form-cast", "assignment") is None  # nothing preselected: the farmer chooses
    assert html.count(f'value="{pens["Pen 1"].pk}"') == 4  # one option in each of the four forms


def test_the_site_page_lists_one_row_per_pen_with_today(user_client, site):
    the_site, pens = site
    html = user_client.get(f"/sites/{the_site.pk}/record/").content.decode()
    rows = re.findall(r'name="rows\.(\d+)\.assignment" value="(\d+)"', html)
    assert rows == [("0", str(pens["Pen 1"].pk)), ("1", str(pens["Pen 2"].pk))]
    assert f'name="date" value="{timezone.localdate().isoformat()}"' in html
    assert "Save the day (2 containers)" in html
    assert f'href="/containers/{pens["Pen 1"].container_id}/record/"' in html


def test_a_site_with_no_fish_says_there_is_nothing_to_record(user_client, salmon):
    empty = SiteFactory(name="Fallow")
    html = user_client.get(f"/sites/{empty.pk}/record/").content.decode()
    assert "No container of Fallow holds fish today" in html and "form-day" not in html


def test_the_pages_need_a_login_and_unknown_ids_are_not_found(user_client, site):
    the_site, pens = site
    assert Client().get(f"/sites/{the_site.pk}/record/").status_code == 302
    assert Client().get(f"/containers/{pens['Pen 1'].container_id}/record/").status_code == 302
    assert user_client.get("/sites/999999/record/").status_code == 404
    assert user_client.get("/containers/999999/record/").status_code == 404


def test_the_container_page_and_the_overview_link_to_the_record_pages(user_client, site):
    the_site, pens = site
    container = pens["Pen 2"].container
    page = user_client.get(f"/containers/{container.pk}/").content.decode()
    assert f'href="/containers/{container.pk}/record/"' in page and f'href="/sites/{the_site.pk}/record/"' in page
