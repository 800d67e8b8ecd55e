"""The backtest runs on the small preset (figures printed, not asserted as targets)."""
import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_backtest_prints_its_table_on_the_small_preset(capsys):
    call_command("backtest_forecast", "--preset", "small", "--seed", "11", "--every", "60")
    out = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + out)
    assert "weight MAPE at +90 days" in out and "P10-P90 coverage, all horizons" in out
    assert "harvest-date error" in out
