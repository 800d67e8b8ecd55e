"""``{% band_note %}``: the sentence saying how the forecast band was made (calibrated when, measured coverage)."""

from django import template

from apps.forecast.selectors import band_summary

register = template.Library()


@register.simple_tag
def band_note() -> str:
    return band_summary()["note"]  # a simple tag's output is escaped
