"""``{% download_links path what=... batch=... %}``: the CSV and Excel links of a table or chart (docs/web.md,
"Downloads"), to the API list that holds its rows, with the page's current filters (empty ones left out)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def download_links(path: str, what: str = "", follow: str = "", **filters) -> str:
    """Two links, ``format=csv`` and ``format=xlsx``; ``follow`` names a page control (its id) whose value
    downloads.js copies into the links' parameter of that name when it changes (the chart's container)."""
    query = {name: value for name, value in filters.items() if value not in (None, "")}
    links = [
        format_html(
            '<a class="download" href="{}?{}" download data-follow="{}" data-format="{}">{}</a>',
            path,
            urlencode({**query, "format": fmt}),
            follow,
            fmt,
            label,
        )
        for fmt, label in (("csv", "CSV"), ("xlsx", "Excel"))
    ]
    return format_html(
        '<span class="downloads" data-what="{}">Download{} {} {}</span>',
        what,
        format_html(" {}", what) if what else "",
        links[0],
        links[1],
    )
