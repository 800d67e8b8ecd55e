"""Flower's configuration file (``celery -A aquamind flower --conf=docker/flowerconfig.py``; the image's flower
role passes it). Flower executes it as Python before it starts.

Flower 2.2 serves ``/metrics`` (Prometheus) without its basic auth, unlike every other page: task names, worker
host names and task counts would be readable by anyone who reaches the port. Here /metrics asks for the same
``--basic-auth`` as the rest (a Prometheus job gives it with ``basic_auth:``); ``/healthcheck`` stays open and
says only "OK" (the image's health check reads it).
"""

import tornado.web
from flower.views.monitor import Metrics

if not getattr(Metrics.get, "__wrapped__", None):  # once, even if the file is read twice
    Metrics.get = tornado.web.authenticated(Metrics.get)
