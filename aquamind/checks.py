"""System checks of AquaMind's own settings (run by ``manage.py check --deploy``)."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

from aquamind.env import DEV_SECRET_KEY


@register(Tags.security, deploy=True)
def development_secret_key(app_configs, **kwargs):
    """The public development key (the embedded default's) is not a deployment's key."""
    if settings.SECRET_KEY == DEV_SECRET_KEY:
        return [Warning("SECRET_KEY is the public development key.", hint="Set SECRET_KEY to a random string of 50+ characters.", id="aquamind.W001")]
    return []
