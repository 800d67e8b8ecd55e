"""The alerts page (/alerts/): what needs attention, acknowledge, and the user's own e-mail subscriptions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.access.scope import visible_to
from apps.alerts.models import Alert, AlertKind, AlertSubscription
from apps.alerts.services import alert_acknowledge

PAGE_SIZE = 50
ACKNOWLEDGE = "alerts.change_alert"  # the operator role and above (apps/api/roles.py keeps the groups' permissions)
DELIVERIES = [("", "No e-mail"), *AlertSubscription.Delivery.choices]


def alerts_open_count(request) -> dict:
    """Context processor: the number of alerts that need attention, for the menu (one indexed count)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    needing = Alert.objects.filter(cleared_at__isnull=True, acknowledged_at__isnull=True)
    return {"alerts_open": visible_to(needing, user).count()}


@login_required
def alerts_page(request):
    """Open alerts by default (``?state=all``: every alert), newest first, 50 a page; the subscriptions form."""
    show_all = request.GET.get("state") == "all"
    kind = request.GET.get("kind", "")
    alerts = visible_to(Alert.objects.select_related("site", "batch", "container", "acknowledged_by"), request.user)
    if not show_all:
        alerts = alerts.filter(cleared_at__isnull=True, acknowledged_at__isnull=True)
    if kind in AlertKind.values:
        alerts = alerts.filter(kind=kind)
    page = Paginator(alerts.order_by("-raised_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    chosen = dict(AlertSubscription.objects.filter(user=request.user).values_list("kind", "delivery"))
    return render(
        request,
        "web/alerts.html",
        {
            "page": page,
            "show_all": show_all,
            "kind": kind,
            "kinds": AlertKind.choices,
            "can_acknowledge": request.user.has_perm(ACKNOWLEDGE),
            "subscriptions": [(value, label, chosen.get(value, "")) for value, label in AlertKind.choices],
            "deliveries": DELIVERIES,
            "has_email": bool(request.user.email),
        },
    )


@login_required
@require_POST
def alert_acknowledge_view(request, pk: int):
    if not request.user.has_perm(ACKNOWLEDGE):
        messages.error(request, "Acknowledging an alert needs the operator role.")
    else:
        alert_acknowledge(
            alert=get_object_or_404(visible_to(Alert.objects.all(), request.user), pk=pk), user=request.user
        )
    return HttpResponseRedirect(reverse("alerts"))


@login_required
@require_POST
def alert_subscriptions_save(request):
    """One select per kind: no e-mail, at once, or the daily digest."""
    for kind in AlertKind.values:
        delivery = request.POST.get(f"delivery-{kind}", "")
        if delivery in AlertSubscription.Delivery.values:
            AlertSubscription.objects.update_or_create(user=request.user, kind=kind, defaults={"delivery": delivery})
        else:
            AlertSubscription.objects.filter(user=request.user, kind=kind).delete()
    messages.success(request, "Your alert e-mails are saved.")
    return HttpResponseRedirect(reverse("alerts"))
