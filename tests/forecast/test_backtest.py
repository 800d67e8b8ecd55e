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
    # the same figures again for the as-of dates with two years of the farm's history behind them, a subset
    whole, mature = out.split("years of the farm's history or more")
    n90 = [int(part.split("weight MAPE at +90 days")[1].split()[0]) for part in (whole, mature)]
    assert 0 < n90[1] < n90[0]


def test_the_backtest_leaves_the_database_empty_and_repeats_its_figures(capsys):
    from apps.batch.models import Batch

    tables = []
    for _ in range(2):
        call_command("backtest_forecast", "--preset", "small", "--seed", "11", "--every", "90")
        tables.append([line for line in capsys.readouterr().out.splitlines() if "%" in line or " d " in line])
        assert not Batch.objects.exists()
    assert tables[0] == tables[1] and len(tables[0]) >= 10


def test_several_seeds_print_each_farms_line_and_every_figure_pooled_over_their_forecasts(capsys):
    import re

    call_command("backtest_forecast", "--preset", "small", "--seeds", "11,12", "--every", "90")
    out = capsys.readouterr().out
    rows = {
        int(m[1]): (int(m[2]), float(m[3]))
        for m in re.finditer(r"^\s+(\d+)\s+(\d+)\s+([\d.]+) %", out, flags=re.MULTILINE)
    }
    assert set(rows) == {11, 12}
    pooled = out.split("each forecast counted once:")[1]
    n, mape = re.search(r"weight MAPE at \+90 days\s+(\d+)\s+([\d.]+) %", pooled).groups()
    assert int(n) == sum(k for k, _ in rows.values())  # every forecast of both farms, once
    weighted = sum(k * v for k, v in rows.values()) / int(n)
    assert abs(float(mape) - weighted) < 0.01  # the pooled MAPE is the forecasts' mean, not the farms'


def test_the_seeds_are_read_as_ranges_and_lists_and_nonsense_is_refused():
    from django.core.management.base import CommandError

    from apps.forecast.management.commands.backtest_forecast import _seeds

    assert _seeds("11-14,20") == [11, 12, 13, 14, 20]
    assert _seeds("7") == [7]
    for text in ("", "a-b", "11-", "11,,12", "20-11"):
        with pytest.raises(CommandError, match="--seeds"):
            _seeds(text)


def test_the_backtest_refuses_a_database_that_holds_batches(salmon):
    from django.core.management.base import CommandError

    from tests.factories import BatchFactory

    BatchFactory()
    with pytest.raises(CommandError, match="holds 1 batch:"):
        call_command("backtest_forecast", "--preset", "small")


def test_the_lookback_keeps_the_residuals_of_the_forecasts_made_within_it():
    """``backtest_score(lookback_days=…)`` measures the nightly job's window: only the residuals of the forecasts
    made in those days before the as-of date count (the weighings after it are left out by the calibration)."""
    import datetime as dt

    from apps.forecast.backtest import _window
    from apps.forecast.engine.calibration import Residual

    as_of = dt.date(2026, 1, 1)
    made = [as_of - dt.timedelta(days=d) for d in (0, 100, 392, 393, 800)]
    residuals = {
        "level": [Residual(30, "sea", 0.0, day + dt.timedelta(days=30), forecast=(day, 150.0, 1)) for day in made]
    }
    kept = _window(residuals, as_of, 392)["level"]
    assert [r.forecast[0] for r in kept] == made[:3]
    assert _window(residuals, as_of, None) is residuals
