"""Match GamesDrop's balance history against our orders.

GamesDrop's transactions carry no order or transaction id, only `"API Purchase - <product> <offer>"`
(or "Test Purchase - ..." for the test offer) and a time; refunds say `"Refund - order <orderId>"`.
So a purchase is matched to the nearest-in-time unmatched order of ours for the same product and offer
sent within `ORDERS_RECONCILE_WINDOW_SECONDS` (the latest one sent before the debit); a refund by the
order id it names. Two identical purchases minutes apart can swap partners: the counts stay right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from giftoffice.integrations import gamesdrop
from orders.models import OrderStatus, Supplier, SupplierOrder

__all__ = ["Reconciliation", "reconcile_gamesdrop"]

PAGE = 100
REFUND_ORDER = re.compile(r"order\s+(\d+)", re.IGNORECASE)


@dataclass
class Reconciliation:
    since: datetime
    transactions: int = 0
    matched: int = 0
    unknown_purchases: list[gamesdrop.BalanceTransaction] = field(default_factory=list)
    completed_without_purchase: list[SupplierOrder] = field(default_factory=list)
    refunded_but_completed: list[SupplierOrder] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.unknown_purchases or self.completed_without_purchase or self.refunded_but_completed)

    def lines(self) -> list[str]:
        out = [
            f"reconcile_gamesdrop since {self.since:%Y-%m-%d %H:%M}: {self.transactions} transactions, "
            f"{self.matched} purchases matched to our orders"
        ]
        for tx in self.unknown_purchases:
            out.append(
                f"  supplier purchase with no order of ours: #{tx.id} {tx.amount} USD "
                f"{tx.created_at:%Y-%m-%d %H:%M:%S} {tx.description}"
            )
        for order in self.completed_without_purchase:
            out.append(
                f"  completed order with no supplier transaction: {order.transaction_id} "
                f"(GamesDrop order {order.supplier_order_id or '?'})"
            )
        for order in self.refunded_but_completed:
            out.append(f"  refunded by GamesDrop but COMPLETED here: {order.transaction_id}")
        out.append("all matched" if self.clean else "mismatches found")
        return out


def _history(client: gamesdrop.GamesDropClient, since: datetime) -> list[gamesdrop.BalanceTransaction]:
    found: list[gamesdrop.BalanceTransaction] = []
    page = 1
    while True:
        result = client.transactions(page=page, limit=PAGE)
        for tx in result.transactions:
            if tx.created_at is not None and tx.created_at >= since:
                found.append(tx)
        oldest = min((t.created_at for t in result.transactions if t.created_at), default=None)
        if len(result.transactions) < PAGE or page * PAGE >= result.total or (oldest and oldest < since):
            return found
        page += 1


def _sent_at(order: SupplierOrder) -> datetime:
    return order.submitted_at or order.created_at


def reconcile_gamesdrop(
    *, since: datetime, client: gamesdrop.GamesDropClient | None = None
) -> Reconciliation:
    client = client or gamesdrop.client()
    result = Reconciliation(since=since)
    history = _history(client, since)
    result.transactions = len(history)
    window = timedelta(seconds=settings.ORDERS_RECONCILE_WINDOW_SECONDS)
    orders = list(
        SupplierOrder.objects.filter(supplier=Supplier.GAMESDROP, created_at__gte=since - window)
        .exclude(supplier_order_id="")
        .select_related("offer")
    )
    unmatched = {order.pk: order for order in orders}
    by_supplier_id = {order.supplier_order_id: order for order in orders}
    for tx in sorted(history, key=lambda t: t.created_at):
        if tx.type == "REFUND":
            match = REFUND_ORDER.search(tx.description)
            order = by_supplier_id.get(match.group(1)) if match else None
            if order is not None and order.status == OrderStatus.COMPLETED:
                result.refunded_but_completed.append(order)
            continue
        if tx.type != "PURCHASE":
            continue
        candidates = [
            order
            for order in unmatched.values()
            if tx.description.endswith(f"{order.offer.product_name} {order.offer.name}")
            and abs(_sent_at(order) - tx.created_at) <= window
        ]
        if not candidates:
            result.unknown_purchases.append(tx)
            continue
        # The debit follows our send: prefer the latest order sent before it (clocks differ a little,
        # so with none before it, the nearest one in the window).
        before = [o for o in candidates if _sent_at(o) <= tx.created_at]
        best = (
            max(before, key=_sent_at)
            if before
            else min(candidates, key=lambda o: abs(_sent_at(o) - tx.created_at))
        )
        del unmatched[best.pk]
        result.matched += 1
    result.completed_without_purchase = sorted(
        (o for o in unmatched.values() if o.status == OrderStatus.COMPLETED and o.created_at >= since),
        key=lambda o: o.created_at,
    )
    return result
