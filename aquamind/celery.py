"""The Celery application: `celery -A aquamind worker|beat|inspect ...`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquamind.settings")

app = Celery("aquamind")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
