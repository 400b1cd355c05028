"""Putting Telegram purchase reports in the outbox and waking the sender (orders.services.reports).

The writes here run inside other work (a sale completing, staff retrying a report, a rate or a gift's
marketplace name changing) and queue the sender on commit, so this module imports the sender's task
module (`orders.tasks_reports`), which imports the sender; the sender never imports this module
(docs/architecture.md, "Queueing one level up").
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from giftoffice.rows import insert
from giftoffice.transitions import check_transition
from orders import tasks_reports
from orders.models import REPORT_TRANSITIONS, PurchaseReport, ReportStatus, Sale
from orders.services.reports import evaluate, sale_orders

__all__ = ["record_sale_report", "retry_report", "wake_waiting_reports"]

S = ReportStatus


def record_sale_report(
    *, sale: Sale, orders: list[Any] | None = None, first_completion: bool = False
) -> PurchaseReport | None:
    """Write the sale's report row (in the caller's transaction: the one completing the sale).

    Idempotent: a second call returns the row the first wrote. Sales without Telegram gifts are not
    reported (None). `orders`: every order of the sale with its Telegram gift, if the caller has them;
    `first_completion`: the caller has just completed the sale (completed_at was empty until this
    transaction), so no report can exist yet (one is written only here) and none is looked for.
    """
    orders = sale_orders(sale) if orders is None else orders
    if not any(order.telegram_gift_id is not None for order in orders):
        return None
    if not first_completion:
        existing = PurchaseReport.objects.filter(sale=sale).first()
        if existing is not None:
            return existing
    status, reason, payload = evaluate(sale, orders)
    report = insert(
        PurchaseReport(
            sale=sale, transaction_id=sale.transaction_id, status=status, reason=reason, payload=payload
        )
    )
    if status == S.PENDING:
        _enqueue_on_commit()
    return report


def _enqueue_on_commit() -> None:
    """Wake the sender once the rows are committed (a worker must find them). Each completion registers
    its own callback: the sender row's compare-and-set, not this transaction, keeps it to one task."""
    transaction.on_commit(tasks_reports.enqueue_send_reports)


def wake_waiting_reports() -> None:
    """What waiting reports wait for has changed (a rate added, a gift's marketplace name set): once
    committed, the sender walks every waiting row, then sends those that became sendable, not at the
    next schedule."""
    if PurchaseReport.objects.filter(status=S.WAITING).exists():
        transaction.on_commit(tasks_reports.enqueue_reevaluation)


def retry_report(*, report: PurchaseReport) -> bool:
    """FAILED -> PENDING (staff fixed the cause): the same frozen payload goes out on the next send."""
    check_transition(
        machine="PurchaseReport", table=REPORT_TRANSITIONS, current=report.status, target=S.PENDING
    )
    moved = PurchaseReport.objects.filter(pk=report.pk, status=S.FAILED).update(
        status=S.PENDING, next_attempt_at=None, updated_at=timezone.now()
    )
    if moved:
        _enqueue_on_commit()
    return bool(moved)
