"""The monthly site report's pages (docs/web.md, "Monthly site report"): a picker, one site's month, and every
site of a month for printing (one site per printed page). The figures come from apps/reports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from apps.access.scope import visible_to
from apps.infrastructure.models import Site
from apps.reports.monthly import COLUMNS, DEATH_CAUSES, Month, month_from_text, report_rows, site_month_report


def _sites(request):
    """The sites the user holds (docs/access.md): the picker offers, and the pages report, only those."""
    return visible_to(Site.objects.order_by("name"), request.user)


def _last_month() -> Month:
    today = timezone.localdate()
    return Month(today.year, today.month).previous()


def _picker(request, *, error: str = "", status: int = 200, site_id=None, month_text: str = ""):
    return render(
        request,
        "web/report_picker.html",
        {
            "sites": _sites(request),
            "error": error,
            "site_id": site_id,
            "month_text": month_text or _last_month().label,
        },
        status=status,
    )


@login_required
def report_picker(request):
    """Choose a site (or every site) and a month; a bad choice is shown again with the reason (400)."""
    if "month" not in request.GET:
        return _picker(request)
    month_text, site_text = request.GET.get("month", ""), request.GET.get("site", "")
    month = month_from_text(month_text)
    if month is None:
        return _picker(request, error=f"Month: {month_text[:20]!r} is not a month (YYYY-MM).", status=400)
    if site_text == "":
        return redirect(reverse("farm-month-report", args=[month.label]))
    site = _sites(request).filter(pk=int(site_text)).first() if site_text.isdigit() and len(site_text) < 19 else None
    if site is None:
        return _picker(request, error=f"Site: no site {site_text[:20]!r}.", status=400, month_text=month.label)
    return redirect(reverse("site-month-report", args=[site.pk, month.label]))


def _month_or_400(request, text: str):
    month = month_from_text(text)
    if month is None:
        return None, _picker(request, error=f"Month: {text[:20]!r} is not a month (YYYY-MM).", status=400)
    return month, None


def _context(month: Month, reports: list) -> dict:
    return {
        "month": month,
        "reports": [(r, report_table(r)) for r in reports],
        "causes": DEATH_CAUSES,
        "previous": month.previous().label,
        "next": month.next().label,
    }


@login_required
def site_month_page(request, pk: int, month: str):
    """One site's month, printable on one page, with its CSV and Excel downloads."""
    site = get_object_or_404(_sites(request), pk=pk)
    chosen, refused = _month_or_400(request, month)
    if refused:
        return refused
    context = _context(chosen, [site_month_report(site=site, month=chosen)])
    context["site"] = site
    return render(request, "web/site_month_report.html", context)


@login_required
def farm_month_page(request, month: str):
    """Every site's month, one after the other: printed, one site per page."""
    chosen, refused = _month_or_400(request, month)
    if refused:
        return refused
    reports = [site_month_report(site=site, month=chosen) for site in _sites(request)]
    return render(request, "web/site_month_report.html", _context(chosen, reports))


#: the report's lines on the page, figures down and batches across (the table printed on one page)
LINE_LABELS = {
    "opening_fish": "Opening: fish",
    "opening_biomass_kg": "Opening: biomass (kg)",
    "stocked_fish": "Stocked: fish",
    "stocked_biomass_kg": "Stocked: biomass (kg)",
    "transfers_in_fish": "Transfers in from other sites: fish",
    "transfers_in_biomass_kg": "Transfers in: biomass (kg)",
    "transfers_out_fish": "Transfers out to other sites: fish",
    "transfers_out_biomass_kg": "Transfers out: biomass (kg)",
    "harvested_fish": "Harvested: fish",
    "harvested_biomass_kg": "Harvested: biomass (kg)",
    "deaths_fish": "Deaths: fish",
    **{f"deaths_{c.lower()}_fish": f"· {c.replace('_', ' ').lower()}" for c in DEATH_CAUSES},
    "dead_biomass_kg": "Dead fish: biomass (kg)",
    "closing_fish": "Closing: fish",
    "closing_biomass_kg": "Closing: biomass (kg)",
    "feed_kg": "Feed used (kg)",
    "production_kg": "Net production (kg)",
    "economic_fcr": "Economic FCR",
    "biological_fcr": "Biological FCR",
    "treatments": "Treatments",
    "difference_fish": "Difference in fish (count corrections)",
}


def report_table(report) -> dict:
    """The page's table of one report: the columns (each batch, then the site) and one line per figure."""
    rows = report_rows(report)
    index = {name: i for i, name in enumerate(COLUMNS)}
    return {
        "columns": [row[index["batch"]] if row[index["batch"]] != "ALL" else "Site" for row in rows],
        "containers": [row[index["containers"]] for row in rows],
        "lines": [(name, label, [row[index[name]] for row in rows]) for name, label in LINE_LABELS.items()],
    }
