"""pgtrigger's check in front of every history trigger finds its setting on every connection (apps/audit/bulk.py,
docs/history.md "Bulk writes"): it never raises and rolls back a subtransaction per row, and every trigger
still records."""

from __future__ import annotations

from django.db import connection, connections

from apps.audit.bulk import inserts_record, inserts_unrecorded
from apps.audit.models import ContainerEvent, SiteEvent
from apps.infrastructure.models import Container, Site


def test_a_new_connection_starts_with_an_empty_list_and_the_triggers_record(db):
    fresh = connections.create_connection("default")  # a connection of its own: connection_created fires
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
            assert cursor.fetchone()[0] == "{}"
    finally:
        fresh.close()
    site = Site.objects.create(name="North", kind="SEA")
    assert list(SiteEvent.objects.filter(pgh_obj_id=site.pk).values_list("pgh_label", "name")) == [("insert", "North")]


def test_inserts_unrecorded_then_recorded_in_bulk_and_updates_by_their_trigger(db):
    site = Site.objects.create(name="North", kind="SEA")
    with inserts_unrecorded(Container):
        made = Container.objects.bulk_create([Container(site=site, name=f"Pen {i}", kind="PEN") for i in range(3)])
        Site.objects.filter(pk=site.pk).update(kind="FRESHWATER")  # another table: its trigger fires
    assert not ContainerEvent.objects.exists()
    assert inserts_record(Container, [c.pk for c in made]) == 3
    Container.objects.filter(pk=made[0].pk).update(name="Pen A")  # after: the triggers fire again
    rows = list(ContainerEvent.objects.order_by("pgh_id").values_list("pgh_label", "pgh_obj_id", "name", "site_id"))
    assert rows == [
        ("insert", made[0].pk, "Pen 0", site.pk),
        ("insert", made[1].pk, "Pen 1", site.pk),
        ("insert", made[2].pk, "Pen 2", site.pk),
        ("update", made[0].pk, "Pen A", site.pk),
    ]
    assert SiteEvent.objects.filter(pgh_label="update", kind="FRESHWATER").count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
        assert cursor.fetchone()[0] == "{}"
