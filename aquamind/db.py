"""Database helpers shared by the apps."""
from django.db import router, transaction


class SavedWithItsSignals:
    """Model mixin: ``save()`` runs in a transaction that also holds its ``post_save`` handlers' writes.

    The recompute markers are written by ``post_save`` handlers, and Django sends ``post_save`` after the row's
    own write. In a request (``ATOMIC_REQUESTS``) or a service's ``transaction.atomic`` both are in one
    transaction anyway; in autocommit code (a shell, a script, a management command) the row would commit
    alone and a crash before the handler would leave an event with no marker. ``delete()`` needs nothing:
    Django already sends ``post_delete`` inside the delete's transaction. ``savepoint=False``: inside an
    outer transaction this adds no round trip and changes nothing.
    """

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            return super().save(*args, **kwargs)
