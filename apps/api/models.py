"""The API's own records. (The module also makes Django send this app a post_migrate signal: apps.py.)"""

from django.conf import settings
from django.db import models

from apps.access.scope import SHARED


class IdempotencyKey(models.Model):
    """The first successful outcome of a write sent with an ``Idempotency-Key`` header (docs/api.md §Retries).

    Stored in the write's own transaction, so a write that committed has its key and one that did not has
    none. ``status`` is null only inside that transaction, while the first request runs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body, in hex.")
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=255, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField()

    site_path = SHARED  # docs/access.md

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
