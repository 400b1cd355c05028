"""The supplier balance box of the admin index, from the stored readings: no supplier call while a
page renders (orders.services.balance reads them in the background)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from orders.selectors.balances import balance_status
from orders.services.balance import BalanceInfo, low_balance_threshold

register = template.Library()


@register.inclusion_tag("admin/orders/balance_box.html", takes_context=True)
def gamesdrop_balance_box(context) -> dict:
    request = context.get("request")
    if request is None or not request.user.has_perm("orders.view_supplierorder"):
        return {"show": False}
    status = balance_status(threshold=low_balance_threshold())
    reading = status.last_ok
    return {
        "show": True,
        "status": status,
        "reading": reading,
        "info": BalanceInfo.from_reading(reading) if reading else None,
        # Django's timesince says "0 minutes" below a minute
        "just_now": reading is not None and (timezone.now() - reading.read_at).total_seconds() < 60,
        "can_refresh": request.user.has_perm("orders.view_balancereading"),
        "next": request.get_full_path(),
    }
