from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"
    # its records' recompute marks are wired by apps.recompute (apps/recompute/reach.py)
