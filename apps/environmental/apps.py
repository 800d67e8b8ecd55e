from django.apps import AppConfig


class EnvironmentalConfig(AppConfig):
    name = "apps.environmental"
    label = "environmental"
