"""Concurrent senders on PostgreSQL: every report goes out exactly once (claims are compare-and-set
leases taken with SKIP LOCKED, committed before any network call)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from giftoffice.sandbox.models import TelegramPurchaseReport
from orders.models import PurchaseReport, ReportResult, ReportStatus
from orders.services import reports
from orders.services.sales import on_sale_completed
from tests.orders.report_factories import sale_of

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(target, count: int) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # a thread's failure must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_four_concurrent_senders_report_each_sale_exactly_once(sandbox, postgres_only, settings):
    settings.TELEGRAM_REPORT_BATCH_SIZE = 3
    for _ in range(40):
        on_sale_completed(sale=sale_of("plushpepe-1"))

    errors = run_at_once(reports.send_pending_reports, 4)

    assert errors == []
    rows = list(PurchaseReport.objects.values_list("status", "result", "attempts"))
    assert Counter(rows) == Counter({(ReportStatus.REPORTED, ReportResult.ACCEPTED, 1): 40})
    sent = Counter(TelegramPurchaseReport.objects.values_list("transaction_id", flat=True))
    assert len(sent) == 40
    assert set(sent.values()) == {1}  # no transaction id was sent twice


def test_concurrent_claims_never_share_a_row(postgres_only, settings):
    settings.TELEGRAM_REPORT_BATCH_SIZE = 5
    for _ in range(30):
        on_sale_completed(sale=sale_of("plushpepe-1"))
    claimed: list[int] = []
    lock = threading.Lock()

    def claim_all() -> None:
        while True:
            _token, rows = reports._claim_batch(size=settings.TELEGRAM_REPORT_BATCH_SIZE)
            if not rows:
                return
            with lock:
                claimed.extend(r.pk for r in rows)

    errors = run_at_once(claim_all, 6)

    assert errors == []
    assert sorted(claimed) == sorted(PurchaseReport.objects.values_list("pk", flat=True))
    assert set(PurchaseReport.objects.values_list("status", flat=True)) == {ReportStatus.SENDING}


def test_the_claim_holds_no_lock_while_sending(postgres_only):
    on_sale_completed(sale=sale_of("plushpepe-1"))

    _token, rows = reports._claim_batch(size=10)

    # outside any transaction, another connection can lock the claimed row at once
    assert not connection.in_atomic_block
    locked: list[int] = []

    def lock_it() -> None:
        try:
            with transaction.atomic():
                locked.extend(
                    PurchaseReport.objects.select_for_update(nowait=True).values_list("pk", flat=True)
                )
        finally:
            connection.close()

    thread = threading.Thread(target=lock_it)
    thread.start()
    thread.join(timeout=30)
    assert locked == [rows[0].pk]
