"""System checks of AquaMind's own settings (run by ``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def generated_secret_key(app_configs, **kwargs):
    """The instance's generated key (embedded mode or DEBUG, aquamind/secret_key.py) is not a deployment's key:
    a deployment sets SECRET_KEY, the same in every process."""
    if getattr(settings, "SECRET_KEY_SOURCE", "environment") == "generated":
        return [
            Warning(
                "SECRET_KEY is not set: this process uses the instance's generated key (embedded mode or DEBUG).",
                hint="Set SECRET_KEY to a random string of 50+ characters, the same in every process.",
                id="aquamind.W001",
            )
        ]
    return []
