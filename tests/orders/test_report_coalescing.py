"""Completed sales never flood the queue: however many sales complete, in however many processes, at
most one report-sending task waits in django-q2's queue, and every report still goes out once."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_q.models import OrmQ

from giftoffice.sandbox.models import TelegramPurchaseReport
from orders import tasks_reports
from orders.models import (
    OrderStatus,
    PurchaseReport,
    ReportResult,
    ReportStatus,
    Sale,
    Supplier,
    SupplierOrder,
)
from orders.services.sales import on_sale_completed
from tests.orders.report_factories import sale_of
from tests.orders.report_queue import queued_funcs, run_next_task, run_queued_tasks
from tests.suppliers.factories import TelegramGiftFactory

pytestmark = pytest.mark.django_db(transaction=True)

SENDER = "orders.tasks_reports.drain_reports"
PAID = Decimal("25.00")


def completed_sales(count: int) -> list[Sale]:
    """`count` sales of one named gift, their orders completed, written in bulk (a campaign's worth)."""
    gift = TelegramGiftFactory(marketplace_name="plushpepe-1")
    sales = Sale.objects.bulk_create(
        [
            Sale(buyer_id=123456789, amount_paid=PAID, currency="USD", completed_at=timezone.now())
            for _ in range(count)
        ]
    )
    SupplierOrder.objects.bulk_create(
        [
            SupplierOrder(sale=s, supplier=Supplier.GIFTLY, telegram_gift=gift, status=OrderStatus.COMPLETED)
            for s in sales
        ]
    )
    return sales


def complete_each_in_its_own_transaction(sales: list[Sale]) -> None:
    for sale in sales:
        with transaction.atomic():  # as a campaign completes its sends: one commit each
            on_sale_completed(sale=sale)


def test_300_completed_sales_queue_one_report_task_and_every_report_goes_out_once(sandbox):
    complete_each_in_its_own_transaction(completed_sales(300))

    assert queued_funcs() == [SENDER]
    run_queued_tasks()
    assert Counter(PurchaseReport.objects.values_list("status", "result", "attempts")) == Counter(
        {(ReportStatus.REPORTED, ReportResult.ACCEPTED, 1): 300}
    )
    sent = Counter(TelegramPurchaseReport.objects.values_list("transaction_id", flat=True))
    assert (len(sent), set(sent.values())) == (300, {1})


def test_wake_ups_from_concurrent_processes_queue_one_task():
    on_sale_completed(sale=sale_of("plushpepe-1"))
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def wake() -> None:
        try:
            barrier.wait()
            tasks_reports.enqueue_send_reports()
        except BaseException as exc:  # a thread's failure must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wake) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert (errors, queued_funcs()) == ([], [SENDER])


def test_the_sender_leaves_the_queue_when_it_starts_so_a_later_completion_queues_the_next(sandbox):
    complete_each_in_its_own_transaction(completed_sales(2))
    assert queued_funcs() == [SENDER]

    run_next_task()
    assert (OrmQ.objects.count(), PurchaseReport.objects.filter(status=ReportStatus.REPORTED).count()) == (
        0,
        2,
    )

    complete_each_in_its_own_transaction(completed_sales(1))
    assert queued_funcs() == [SENDER]
    run_queued_tasks()
    assert PurchaseReport.objects.filter(status=ReportStatus.REPORTED).count() == 3
