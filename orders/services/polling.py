"""One pass over supplier orders that need a look: open GamesDrop orders due a status check, GamesDrop
orders of unknown outcome due a lookup, sends that lost their worker, and queued sends never picked up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from giftoffice.integrations import gamesdrop as gamesdrop_api
from orders.models import OrderStatus, Supplier, SupplierOrder
from orders.services import gamesdrop, giftly

__all__ = ["PollSummary", "due_orders", "poll_orders"]


@dataclass
class PollSummary:
    looked_at: int = 0
    statuses: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        after = ", ".join(f"{status} {count}" for status, count in sorted(self.statuses.items()))
        return f"poll_orders: {self.looked_at} orders looked at" + (f"; now {after}" if after else "")


def due_orders(*, now: datetime | None = None):
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.ORDERS_SUBMITTING_STALE_SECONDS)
    due = Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    gamesdrop_due = Q(supplier=Supplier.GAMESDROP) & (
        (Q(status__in=[OrderStatus.SUBMITTED, OrderStatus.PROCESSING]) & due)
        | Q(status=OrderStatus.OUTCOME_UNKNOWN, next_poll_at__lte=now)
        | Q(status=OrderStatus.NEW, next_poll_at__lte=now)
    )
    lost = Q(status=OrderStatus.SUBMITTING, updated_at__lt=stale)
    return (
        SupplierOrder.objects.filter(gamesdrop_due | lost)
        .select_related("offer", "telegram_gift", "sale")
        .order_by("next_poll_at", "id")
    )


def poll_orders(
    *, now: datetime | None = None, client: gamesdrop_api.GamesDropClient | None = None
) -> PollSummary:
    """Runs outside any transaction: each order's network calls and writes are its own."""
    client = client or gamesdrop_api.client()
    result = PollSummary()
    for order in due_orders(now=now)[: settings.ORDERS_POLL_BATCH]:
        result.looked_at += 1
        if order.supplier == Supplier.GIFTLY:
            order = giftly.recover_stale_submission(order=order)
        elif order.status == OrderStatus.NEW:
            order = gamesdrop.submit(order=order, client=client)
        elif order.status in (OrderStatus.OUTCOME_UNKNOWN, OrderStatus.SUBMITTING):
            order = gamesdrop.reconcile(order=order, client=client, resend=True)
        else:
            order = gamesdrop.refresh(order=order, client=client)
        result.statuses[order.status] += 1
    return result
