"""Hooks of a sale's life. `on_sale_completed` runs inside the transaction that completes the sale."""

from __future__ import annotations

from orders.models import Sale
from orders.services import reports


def on_sale_completed(*, sale: Sale) -> None:
    # The report row commits (or rolls back) with the completion itself: no sale is lost to a crash
    # between the two, and none is reported that did not complete.
    reports.record_sale_report(sale=sale)
