"""One pass over supplier orders that need a look: open GamesDrop orders due a status check, GamesDrop
orders of unknown outcome due a lookup, sends that lost their worker, and queued sends never picked up."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from giftoffice.integrations import gamesdrop as gamesdrop_api
from orders.models import OrderStatus, Supplier, SupplierOrder
from orders.services import gamesdrop, giftly

__all__ = ["PollSummary", "due_orders", "poll_orders"]

logger = logging.getLogger(__name__)


@dataclass
class PollSummary:
    looked_at: int = 0
    statuses: Counter = field(default_factory=Counter)
    failed: int = 0  # orders whose look raised; the pass went on past them

    def summary(self) -> str:
        after = ", ".join(f"{status} {count}" for status, count in sorted(self.statuses.items()))
        line = f"poll_orders: {self.looked_at} orders looked at" + (f"; now {after}" if after else "")
        return line + (f"; {self.failed} failed" if self.failed else "")


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
    *,
    now: datetime | None = None,
    client: gamesdrop_api.GamesDropClient | None = None,
    orders: Iterable[SupplierOrder] | None = None,
    on_order: Callable[[SupplierOrder], None] | None = None,
    on_error: Callable[[SupplierOrder, Exception], None] | None = None,
) -> PollSummary:
    """Runs outside any transaction: each order's network calls and writes are its own.

    `orders`: the pass's orders (default: `due_orders`, at most ORDERS_POLL_BATCH); `on_order` is
    called after each (a poll run counts its progress there). One order's error never stops the pass:
    it is logged, counted, handed to `on_error` (a poll run records it), and the next order is looked at.
    """
    client = client or gamesdrop_api.client()
    result = PollSummary()
    if orders is None:
        orders = due_orders(now=now)[: settings.ORDERS_POLL_BATCH]
    for order in orders:
        result.looked_at += 1
        try:
            order = _look_at(order, client)
        except Exception as exc:
            logger.exception("poll: order %s (%s) failed", order.pk, order.transaction_id)
            result.failed += 1
            if on_error is not None:
                on_error(order, exc)
        else:
            result.statuses[order.status] += 1
        if on_order is not None:
            on_order(order)
    return result


def _look_at(order: SupplierOrder, client: gamesdrop_api.GamesDropClient) -> SupplierOrder:
    if order.supplier == Supplier.GIFTLY:
        return giftly.recover_stale_submission(order=order)
    if order.status == OrderStatus.NEW:
        return gamesdrop.submit(order=order, client=client)
    if order.status in (OrderStatus.OUTCOME_UNKNOWN, OrderStatus.SUBMITTING):
        return gamesdrop.reconcile(order=order, client=client, resend=True)
    return gamesdrop.refresh(order=order, client=client)
