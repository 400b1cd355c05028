"""Waiting reports never starve: NOT_REPORTABLE is final and never re-read, and the WAITING rows are
walked in keyset pages, oldest first, when what they wait for changes (a rate imported, a gift's
marketplace name set) and by the schedule's pass, however many rows can never be fixed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from giftoffice.sandbox.models import TelegramPurchaseReport
from giftoffice.transitions import InvalidTransition, check_transition
from orders import tasks_reports
from orders.models import (
    REPORT_TRANSITIONS,
    OrderStatus,
    PurchaseReport,
    ReportStatus,
    Sale,
    Supplier,
    SupplierOrder,
)
from orders.services import reports
from orders.services.rate_import import import_rates_csv
from orders.services.sales import on_sale_completed
from tests.orders.report_factories import ExchangeRateFactory, sale_of
from tests.orders.report_queue import queued_funcs, run_next_task, run_queued_tasks
from tests.suppliers.factories import TelegramGiftFactory

pytestmark = pytest.mark.django_db(transaction=True)

COMPLETED_AT = datetime(2026, 2, 6, 10, 23, 12, tzinfo=UTC)  # the report factories' sales
RATE_CSV = "from_currency,to_currency,rate,valid_from\nRUB,USD,0.0109,2026-02-01T00:00:00Z\n"


def bulk_reports(count: int, *, status: str, reason: str, marketplace_name: str, **sale_fields) -> None:
    """`count` completed sales of one gift with their report rows, written in bulk (as a big promo
    leaves them)."""
    gift = TelegramGiftFactory(marketplace_name=marketplace_name)
    sales = Sale.objects.bulk_create(
        [Sale(buyer_id=123456789, completed_at=COMPLETED_AT, **sale_fields) for _ in range(count)]
    )
    SupplierOrder.objects.bulk_create(
        [
            SupplierOrder(
                sale=sale, supplier=Supplier.GIFTLY, telegram_gift=gift, status=OrderStatus.COMPLETED
            )
            for sale in sales
        ]
    )
    PurchaseReport.objects.bulk_create(
        [PurchaseReport(sale=s, transaction_id=s.transaction_id, status=status, reason=reason) for s in sales]
    )


def unfixable_backlog(*, not_reportable: int = 1500, waiting: int = 250) -> None:
    # A promo without an amount: final. Sales of a gift nobody named yet: waiting, but not for a rate.
    bulk_reports(
        not_reportable,
        status=ReportStatus.NOT_REPORTABLE,
        reason="the sale has no amount paid and currency",
        marketplace_name="plushpepe-1",
    )
    bulk_reports(
        waiting,
        status=ReportStatus.WAITING,
        reason="gift 🧸 has no marketplace name",
        marketplace_name="",
        amount_paid=Decimal("25.00"),
        currency="USD",
    )


def waiting_for_a_rate() -> PurchaseReport:
    sale = sale_of("durovscap-1010", amount_paid=Decimal("2500"), currency="RUB")
    with transaction.atomic():
        on_sale_completed(sale=sale)
    report = PurchaseReport.objects.get(sale=sale)
    assert (report.status, report.reason) == (
        ReportStatus.WAITING,
        "no RUB->USD rate at 2026-02-06T10:23:12Z",
    )
    return report


def sent_once(report: PurchaseReport) -> tuple:
    report.refresh_from_db()
    sent = list(
        TelegramPurchaseReport.objects.filter(transaction_id=report.transaction_id).values_list(
            "amount", flat=True
        )
    )
    return report.status, sent


def test_an_imported_rate_sends_the_report_that_waited_for_it_behind_thousands_of_unfixable_rows(
    sandbox, settings
):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    settings.TELEGRAM_REPORT_WALK_PAGE_SIZE = 100
    unfixable_backlog()
    report = waiting_for_a_rate()

    with transaction.atomic():
        import_rates_csv(text=RATE_CSV)
    run_queued_tasks()

    assert sent_once(report) == (ReportStatus.REPORTED, [2725])
    assert PurchaseReport.objects.filter(status=ReportStatus.WAITING).count() == 250
    assert queued_funcs() == []


def test_a_marketplace_name_set_in_the_admin_sends_the_reports_that_waited_for_it(sandbox, admin_client):
    unfixable_backlog(not_reportable=1200, waiting=0)
    sale = sale_of("")
    with transaction.atomic():
        on_sale_completed(sale=sale)
    report = PurchaseReport.objects.get(sale=sale)
    assert report.status == ReportStatus.WAITING
    gift = sale.orders.get().telegram_gift
    with translation.override("en"):
        url = reverse("admin:catalog_telegramgift_change", args=[gift.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (None, False)}
    data["marketplace_name"] = "teddy-3"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert queued_funcs() == ["orders.tasks_reports.drain_reports"]
    run_queued_tasks()
    assert sent_once(report) == (ReportStatus.REPORTED, [2500])
    assert TelegramPurchaseReport.objects.get().gift_name == "teddy-3"


def test_the_scheduled_pass_walks_every_waiting_row_in_pages_oldest_first(sandbox, settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    settings.TELEGRAM_REPORT_WALK_PAGE_SIZE = 100
    unfixable_backlog(not_reportable=1100)
    report = waiting_for_a_rate()
    ExchangeRateFactory(rate=Decimal("0.0109"), valid_from=datetime(2026, 2, 1, tzinfo=UTC))  # no wake-up

    summary = tasks_reports.send_reports()  # what the schedule runs

    assert sent_once(report) == (ReportStatus.REPORTED, [2725])
    assert summary == (
        "reports: 1 reported (0 already on Telegram), 0 to retry, 0 failed; 1 became sendable, "
        "250 waiting, 0 not reportable"
    )


def test_not_reportable_is_final_and_never_re_read():
    report = sale_of("plushpepe-1", buyer_id=None)
    with transaction.atomic():
        on_sale_completed(sale=report)
    row = PurchaseReport.objects.get(sale=report)
    assert row.status == ReportStatus.NOT_REPORTABLE

    Sale.objects.filter(pk=report.pk).update(buyer_id=42)
    counts = reports.reevaluate_open_reports()

    row.refresh_from_db()
    assert (row.status, row.payload, counts[ReportStatus.PENDING]) == (ReportStatus.NOT_REPORTABLE, None, 0)
    for target in (ReportStatus.PENDING, ReportStatus.WAITING):
        with pytest.raises(InvalidTransition):
            check_transition(
                machine="PurchaseReport",
                table=REPORT_TRANSITIONS,
                current=ReportStatus.NOT_REPORTABLE,
                target=target,
            )


def test_a_sender_out_of_time_queues_its_successor_which_finishes_the_walk(sandbox, settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    settings.TELEGRAM_REPORT_WALK_PAGE_SIZE = 100
    unfixable_backlog(not_reportable=0, waiting=120)
    report = waiting_for_a_rate()
    ExchangeRateFactory(rate=Decimal("0.0109"), valid_from=datetime(2026, 2, 1, tzinfo=UTC))
    settings.TELEGRAM_REPORT_TASK_SECONDS = 0

    tasks_reports.enqueue_reevaluation()
    run_next_task()

    assert queued_funcs() == ["orders.tasks_reports.drain_reports"]  # out of time: its successor waits
    assert sent_once(report) == (ReportStatus.WAITING, [])  # the walk is still to do
    settings.TELEGRAM_REPORT_TASK_SECONDS = 60
    run_queued_tasks()
    assert sent_once(report) == (ReportStatus.REPORTED, [2725])
    assert queued_funcs() == []
