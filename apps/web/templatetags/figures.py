"""Figures for people: thousands separated, a fixed number of decimals, a dash for no value."""
from django import template

register = template.Library()


@register.filter
def num(value, digits=0):
    """``1234567.8|num:1`` → "1,234,567.8"; None → "–"."""
    if value is None or value == "":
        return "–"
    return f"{float(value):,.{int(digits)}f}"
