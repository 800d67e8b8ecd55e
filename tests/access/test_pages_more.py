"""The views added beside the viewsets in issues 19-21 — the site and pen-side pages, alerts, the monthly report,
the history, imports and the day's entries — show and change only the user's sites (issue 20): another site's
record is a 404 (or absent from a list), an import needs every site (403)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.alerts.models import Alert, AlertKind
from apps.batch.models import MortalityEvent
from tests.access.truth import rows_of_site  # noqa: F401 (the truth module's farms)

pytestmark = pytest.mark.django_db


def test_site_and_record_pages_of_another_site_are_not_found(farms, page):
    alice = page("alice")
    own, other = farms.a, farms.b
    assert alice.get(f"/sites/{own.site.pk}/").status_code == 200
    assert alice.get(f"/sites/{other.site.pk}/").status_code == 404
    assert alice.get(f"/sites/{own.site.pk}/record/").status_code == 200
    assert alice.get(f"/sites/{other.site.pk}/record/").status_code == 404
    assert alice.get(f"/containers/{own.tanks[1].pk}/record/").status_code == 200
    assert alice.get(f"/containers/{other.tanks[1].pk}/record/").status_code == 404


def test_a_days_entries_into_another_sites_container_save_nothing(farms, api):
    before = MortalityEvent.objects.count()
    body = {
        "date": str(timezone.localdate()),
        "rows": [{"assignment": farms.b.dest.pk, "count": 3, "cause": "UNKNOWN"}],
    }
    response = api("alice").post("/api/v1/batch/day-entries/", body, format="json")
    assert response.status_code == 404, response.content
    assert MortalityEvent.objects.count() == before


def test_alerts_of_another_site_are_neither_listed_nor_acknowledged(farms, page, api):
    now = timezone.now()
    mine = Alert.objects.create(
        kind=AlertKind.MORTALITY_SPIKE, key="a", title="spike at A", site=farms.a.site, raised_at=now
    )
    theirs = Alert.objects.create(
        kind=AlertKind.MORTALITY_SPIKE, key="b", title="spike at B", site=farms.b.site, raised_at=now
    )
    farm_wide = Alert.objects.create(kind=AlertKind.PARKED_WORK, key="p", title="parked somewhere", raised_at=now)
    Alert.objects.filter(key__startswith="spike:").delete()  # the fixture's own
    html = page("alice").get("/alerts/").content.decode()
    assert "spike at A" in html and "spike at B" not in html and "parked somewhere" not in html
    assert page("alice").post(f"/alerts/{theirs.pk}/acknowledge/").status_code == 404
    listed = {a["id"] for a in api("alice").get("/api/v1/alerts/alerts/").json()["results"]}
    assert listed == {mine.pk}
    assert api("alice").post(f"/api/v1/alerts/alerts/{theirs.pk}/acknowledge/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None and farm_wide.pk not in listed


def test_the_monthly_report_offers_and_shows_only_the_users_sites(farms, page, api):
    month = f"{timezone.localdate():%Y-%m}"
    alice = page("alice")
    picker = alice.get("/reports/").content.decode()
    assert farms.a.site.name in picker and farms.b.site.name not in picker
    assert alice.get(f"/reports/sites/{farms.a.site.pk}/{month}/").status_code == 200
    assert alice.get(f"/reports/sites/{farms.b.site.pk}/{month}/").status_code == 404
    every = alice.get(f"/reports/{month}/").content.decode()
    assert farms.a.site.name in every and farms.b.site.name not in every
    assert api("alice").get("/api/v1/reports/site-month/", {"site": farms.b.site.pk, "month": month}).status_code == 404
    assert api("alice").get("/api/v1/reports/site-month/", {"site": farms.a.site.pk, "month": month}).status_code == 200


def test_the_history_shows_only_the_users_sites(farms, page, api):
    kind = "batch.mortalityevent"
    own = MortalityEvent.objects.filter(assignment__container__site=farms.a.site).first()
    other = MortalityEvent.objects.filter(assignment__container__site=farms.b.site).first()
    feed = api("alice").get("/api/v1/history/").json()
    kinds_and_ids = {(e["kind"], e["record_id"]) for e in feed["results"]} if isinstance(feed, dict) else set()
    assert (kind, other.pk) not in kinds_and_ids
    assert api("alice").get(f"/api/v1/history/{kind}/{other.pk}/").status_code == 404
    assert page("alice").get(f"/history/{kind}/{other.pk}/").status_code == 404
    assert api("alice").get(f"/api/v1/history/{kind}/{own.pk}/").status_code == 200
    assert farms.b.site.name not in page("alice").get("/history/").content.decode()


def test_an_import_needs_every_site(farms, page, api, users):
    assert page("alice").get("/imports/").status_code == 403
    assert api("alice").post("/api/v1/imports/", {}, format="multipart").status_code == 403
