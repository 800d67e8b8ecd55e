from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo farm simulator (apps/demo/farm) and its commands: it writes records, nothing imports it but
    its commands, the forecast backtest, the benchmarks and the tests."""

    name = "apps.demo"
    label = "demo"
