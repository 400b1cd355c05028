"""The GamesDrop balance box of the admin index, read at most once a minute (it is a supplier call)."""

from __future__ import annotations

from django import template
from django.core.cache import cache

from giftoffice.integrations.base import IntegrationError
from orders.services.balance import gamesdrop_balance

register = template.Library()

CACHE_KEY = "orders:gamesdrop-balance"
CACHE_SECONDS = 60


@register.inclusion_tag("admin/orders/balance_box.html", takes_context=True)
def gamesdrop_balance_box(context) -> dict:
    request = context.get("request")
    if request is None or not request.user.has_perm("orders.view_supplierorder"):
        return {"show": False}
    info = cache.get(CACHE_KEY)
    error = ""
    if info is None:
        try:
            info = gamesdrop_balance()
        except IntegrationError as exc:
            error = str(exc)
        else:
            cache.set(CACHE_KEY, info, CACHE_SECONDS)
    return {"show": True, "info": info, "error": error}
