"""Figures for people: thousands separated, a fixed number of decimals, a dash for no value."""

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from aquamind.times import farm_time

register = template.Library()


@register.filter
def num(value, digits=0):
    """``1234567.8|num:1`` → "1,234,567.8"; None → "–"."""
    if value is None or value == "":
        return "–"
    return f"{float(value):,.{int(digits)}f}"


@register.filter
def band(quantiles, digits=0):
    """``{"p10": 900, "p50": 1000, "p90": 1150}|band`` → "1,000 (900–1,150)": the median and its P10–P90 range;
    None → "–"."""
    if not quantiles:
        return "–"
    return f"{num(quantiles['p50'], digits)} ({num(quantiles['p10'], digits)}–{num(quantiles['p90'], digits)})"


@register.filter
def add_days(day, days):
    """``monday|add_days:6`` → the Sunday of its week."""
    return day + dt.timedelta(days=int(days)) if day else None


@register.filter
def words(value):
    """A stored code in words: ``growth_sample`` → "growth sample"; None → ""."""
    return str(value).replace("_", " ") if value else ""


@register.filter(name="farm_time")
def farm_time_filter(value, default="never"):
    """``computed_at|farm_time`` → "1 Dec 2026, 13:05 WET" (aquamind.times.farm_time)."""
    return farm_time(value, default)


CELLS = (
    ("fish", 0), ("avg_weight_g", 1), ("biomass_kg", 0), ("density_kg_m3", 1), (None, 0),
    ("mortality_7d_pct", 2), ("mortality_30d_pct", 2), ("fcr_30d", 2),
)  # fmt: skip


@register.simple_tag
def figure_cells(figures, days_since_sample, recompute):
    """The overview's figure cells of one row (a tag, not an include: an include per row took most of the
    page's time)."""
    cells = [
        format_html(
            '<td class="num">{}</td>', num(days_since_sample if name is None else getattr(figures, name), digits)
        )
        for name, digits in CELLS
    ]
    kind = "bad" if recompute.startswith("error") else "pending" if recompute.startswith("pending") else ""
    status = format_html('<span class="status {}">{}</span>', kind, recompute) if kind else recompute
    return mark_safe("".join(cells) + format_html("<td>{}</td>", status))


#: the key figures shown as cards (the container page): (field, label, unit, decimals); None is the days since the
#: last sample
CARDS = (
    ("fish", "Fish", "", 0), ("avg_weight_g", "Average weight", "g", 1), ("biomass_kg", "Biomass", "kg", 0),
    ("density_kg_m3", "Density", "kg/m³", 1), (None, "Since the last sample", "days", 0),
    ("mortality_30d_pct", "Mortality 30 d", "%", 2), ("fcr_30d", "FCR 30 d", "", 2),
)  # fmt: skip


@register.inclusion_tag("web/_figure_cards.html")
def figure_cards(figures, days_since_sample):
    """The key figures of what a container holds, one card each (value, unit, label), in the tables' formats."""
    cards = []
    for name, label, unit, digits in CARDS:
        value = days_since_sample if name is None else getattr(figures, name)
        cards.append({"label": label, "value": num(value, digits), "unit": unit if value is not None else ""})
    return {"cards": cards}
