"""Signals of the environmental records: the recompute (apps/recompute/signals.py) listens, this app imports it
not (docs/architecture.md, "Layers")."""

from django.dispatch import Signal

#: sent with ``readings`` (the rows a bulk import created, no per-row signals), inside the import's transaction
readings_bulk_created = Signal()
