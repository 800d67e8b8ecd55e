"""The growth chart's batch totals, aggregated once in the database per day or per ISO week, for both shapes
of the chart's data: columns (``growth_data``) and rows (``growth_rows``, the same figures by ``rows_of``)."""

from __future__ import annotations

from django.db.models import Case, Count, DecimalField, F, FloatField, Max, Min, Q, Sum, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncWeek


def columns(rows: list[tuple], names: tuple[str, ...]) -> dict[str, list]:
    """Rows of values (in ``names`` order) turned into one list per name."""
    out: dict[str, list] = {name: [] for name in names}
    lists = [out[name] for name in names]
    for row in rows:
        for values, value in zip(lists, row):
            values.append(value)
    return out


def _num(value, ndigits: int):
    return None if value is None else round(float(value), ndigits)


def batch_totals_columns(states) -> dict[str, list]:
    """Per day, summed in the database: population, biomass, population-weighted weight and temperature, feed,
    deaths, growth (feed / observed FCR of the rows that have one) and the batch's FCR for the day, the
    containers counted, how many of them had a measured weight and the lowest weight confidence among them,
    and an anchor type if any assignment was measured that day."""
    gain = Case(When(observed_fcr__gt=0, then=F("feed_kg") / F("observed_fcr")), output_field=DecimalField())
    real = lambda expr: Cast(expr, FloatField())  # noqa: E731 -- floats from the database: no Decimal per value
    rows = (
        states.order_by()
        .values("date")
        .annotate(
            t_population=Sum("population"),
            t_biomass_kg=real(Sum("biomass_kg")),
            t_feed_kg=real(Sum("feed_kg")),
            t_mortality_count=Sum("mortality_count"),
            containers=Count("id"),
            t_anchor_type=Max("anchor_type"),
            weight_x_pop=real(Sum(F("avg_weight_g") * F("population"), output_field=DecimalField())),
            temp_x_pop=real(Sum(F("temp_c") * F("population"), output_field=DecimalField())),
            gain_kg=real(Sum(gain)),
            fcr_feed_kg=real(Sum("feed_kg", filter=Q(observed_fcr__gt=0))),
            measured=Count("id", filter=Q(sources__weight="measured")),
            weight_confidence_min=Min(Cast(KT("confidence_scores__weight"), FloatField())),
        )
        .order_by("date")
    )
    out = {k: [] for k in (
        "date", "avg_weight_g", "population", "biomass_kg", "temp_c", "feed_kg", "mortality_count", "gain_kg",
        "fcr", "containers", "measured", "weight_confidence_min", "anchor_type",
    )}  # fmt: skip
    for r in rows:
        pop = r["t_population"] or 0
        gain_kg = float(r["gain_kg"]) if r["gain_kg"] is not None else None
        out["date"].append(r["date"])
        out["avg_weight_g"].append(round(float(r["weight_x_pop"]) / pop, 2) if pop else None)
        out["population"].append(pop)
        out["biomass_kg"].append(_num(r["t_biomass_kg"], 2))
        out["temp_c"].append(round(float(r["temp_x_pop"]) / pop, 2) if pop else None)
        out["feed_kg"].append(_num(r["t_feed_kg"], 3))
        out["mortality_count"].append(r["t_mortality_count"])
        out["gain_kg"].append(_num(gain_kg, 3))
        out["fcr"].append(round(float(r["fcr_feed_kg"]) / gain_kg, 3) if gain_kg else None)
        out["containers"].append(r["containers"])
        out["measured"].append(r["measured"])
        out["weight_confidence_min"].append(r["weight_confidence_min"])
        out["anchor_type"].append(r["t_anchor_type"])
    return out


def weekly_totals_columns(states) -> dict[str, list]:
    """ISO-week totals, aggregated in the database: population-weighted weight and temperature over the week's
    rows, summed feed, deaths and growth, FCR = feed of the rows with an observed FCR / their growth, the
    population and biomass of the week's last day, an anchor type if any assignment was measured that week.
    ``date`` is the week's last day with data and ``first_date`` its first. Two queries whatever the batch's
    length: the sums by week, then the last days' population and biomass."""
    gain = Case(When(observed_fcr__gt=0, then=F("feed_kg") / F("observed_fcr")), output_field=DecimalField())
    real = lambda expr: Cast(expr, FloatField())  # noqa: E731 -- floats from the database: no Decimal per value
    by_week = states.order_by().annotate(week=TruncWeek("date")).values("week")
    rows = list(
        by_week.annotate(
            first_date=Min("date"), last_date=Max("date"), t_feed_kg=real(Sum("feed_kg")),
            t_mortality_count=Sum("mortality_count"), t_anchor_type=Max("anchor_type"), t_population=Sum("population"),
            weight_x_pop=real(Sum(F("avg_weight_g") * F("population"), output_field=DecimalField())),
            temp_x_pop=real(Sum(F("temp_c") * F("population"), output_field=DecimalField())),
            gain_kg=real(Sum(gain)), fcr_feed_kg=real(Sum("feed_kg", filter=Q(observed_fcr__gt=0))),
        ).order_by("week")
    )  # fmt: skip
    last_days = {
        r["week"]: r
        for r in by_week.filter(date__in=[r["last_date"] for r in rows]).annotate(
            population=Sum("population"), biomass_kg=real(Sum("biomass_kg"))
        )
    }
    out = {k: [] for k in (
        "date", "first_date", "iso_week", "avg_weight_g", "population", "biomass_kg", "temp_c", "feed_kg",
        "mortality_count", "gain_kg", "fcr", "anchor_type",
    )}  # fmt: skip
    for r in rows:
        year, week, _ = r["week"].isocalendar()
        pop, gain_kg = r["t_population"] or 0, r["gain_kg"] or 0
        out["date"].append(r["last_date"])
        out["first_date"].append(r["first_date"])
        out["iso_week"].append(f"{year}-W{week:02d}")
        out["avg_weight_g"].append(round(r["weight_x_pop"] / pop, 2) if pop else None)
        out["population"].append(last_days[r["week"]]["population"])
        out["biomass_kg"].append(_num(last_days[r["week"]]["biomass_kg"], 2))
        out["temp_c"].append(round(r["temp_x_pop"] / pop, 2) if pop else None)
        out["feed_kg"].append(_num(r["t_feed_kg"], 3))
        out["mortality_count"].append(r["t_mortality_count"])
        out["gain_kg"].append(round(gain_kg, 3))
        out["fcr"].append(round(r["fcr_feed_kg"] / gain_kg, 3) if gain_kg > 0 else None)
        out["anchor_type"].append(r["t_anchor_type"])
    return out


def rows_of(cols: dict[str, list], keys: tuple[str, ...]) -> list[dict]:
    """Columns turned back into one dict per row, with ``keys`` only (the rows shape of the same figures)."""
    return [dict(zip(keys, values)) for values in zip(*(cols[key] for key in keys))]


def weekly_points(daily: dict[str, list]) -> dict[str, list]:
    """Daily columns thinned to the first day, each ISO week's last day (Sunday) and the last day: a weekly
    chart's line through the same values, at a seventh of the bytes."""
    dates = daily["date"]
    keep = [i for i, day in enumerate(dates) if i == 0 or i == len(dates) - 1 or day.isoweekday() == 7]
    return {name: [values[i] for i in keep] for name, values in daily.items()}
