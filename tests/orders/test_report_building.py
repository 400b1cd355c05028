"""What a completed sale reports to Telegram: the spec's examples byte for byte, conversion, field rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
import responses
from django.conf import settings
from django.db import transaction
from django_q.models import OrmQ

from giftoffice.integrations.telegram import GiftPurchaseReport
from orders.models import OrderStatus, PurchaseReport, ReportStatus, Sale
from orders.services import reports
from orders.services.rates import to_minor_units
from orders.services.sales import on_sale_completed
from tests.orders.report_factories import ExchangeRateFactory, SaleFactory, sale_of

pytestmark = pytest.mark.django_db

# The two examples of telegram-gift-marketplaces.md, as published.
SINGLE_GIFT_EXAMPLE = """{
  "method": "reportGiftPurchase",
  "parameters": {
    "transaction_id": "9f3c2d4a-6e5b-4c7a-9f1d-2b8e3a6c4f10",
    "transaction_date": 1770373392,
    "amount": 5000000000000,
    "currency": "TON",
    "sale_type": "offer",
    "gift_name": "plushpepe-1",
    "buyer_id": 123456789,
    "recipient_id": 987654321,
    "seller_id": 555444333
  }
}"""
MULTIPLE_GIFTS_EXAMPLE = """{
  "method": "reportGiftPurchase",
  "parameters": {
    "transaction_id": "c1a7b9e2-3d44-4f6a-bc21-8d7e5f9a2c33",
    "transaction_date": 1770373403,
    "amount": 5000000,
    "currency": "USD",
    "sale_type": "listing",
    "gift_names": [
      "plushpepe-1",
      "plushpepe-27",
      "durovscap-1010"
    ],
    "buyer_id": 123456789
  }
}"""

COMPLETED = datetime(2026, 2, 6, 10, 23, 12, tzinfo=UTC)


def body_of(report: PurchaseReport) -> str:
    """The body as the admin and `report_purchases --dry-run` show it."""
    return json.dumps(reports.wire_body(report.payload), indent=2)


def sent_bytes(report: PurchaseReport) -> bytes:
    """The exact bytes the sender posts for this report (HTTP intercepted)."""
    with responses.RequestsMock() as mock:
        mock.post(
            f"{settings.TELEGRAM_API_BASE}/bot{settings.TELEGRAM_BOT_TOKEN}/sendCustomRequest",
            json={"ok": True, "result": True},
        )
        assert reports.send_pending_reports().reported == 1
        return mock.calls[0].request.body


def complete(sale: Sale) -> PurchaseReport:
    with transaction.atomic():
        on_sale_completed(sale=sale)
    return PurchaseReport.objects.get(sale=sale)


def test_the_single_gift_example_of_the_spec_comes_out_byte_for_byte(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "TON"
    sale = sale_of(
        "plushpepe-1",
        transaction_id="9f3c2d4a-6e5b-4c7a-9f1d-2b8e3a6c4f10",
        completed_at=datetime.fromtimestamp(1770373392, tz=UTC),
        amount_paid=Decimal("5000"),
        currency="TON",
        sale_type="offer",
        buyer_id=123456789,
        recipient_id=987654321,
        seller_id=555444333,
    )

    report = complete(sale)

    assert report.status == ReportStatus.PENDING
    assert body_of(report) == SINGLE_GIFT_EXAMPLE
    assert sent_bytes(report) == orjson.dumps(json.loads(SINGLE_GIFT_EXAMPLE))


def test_the_multiple_gifts_example_of_the_spec_comes_out_byte_for_byte(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    sale = sale_of(
        "plushpepe-1",
        "plushpepe-27",
        "durovscap-1010",
        transaction_id="c1a7b9e2-3d44-4f6a-bc21-8d7e5f9a2c33",
        completed_at=datetime.fromtimestamp(1770373403, tz=UTC),
        amount_paid=Decimal("50000"),
        currency="USD",
        buyer_id=123456789,
    )

    report = complete(sale)

    assert body_of(report) == MULTIPLE_GIFTS_EXAMPLE
    assert sent_bytes(report) == orjson.dumps(json.loads(MULTIPLE_GIFTS_EXAMPLE))


@pytest.mark.parametrize(
    ("amount", "currency", "report_currency", "expected"),
    [
        ("5000", "TON", "TON", 5000000000000),
        ("50000", "USD", "USD", 5000000),
        ("1.45", "USD", "USD", 145),
        ("1.23", "TON", "TON", 1230000000),
        ("0.000000001", "TON", "TON", 1),
        ("0.005", "USD", "USD", 1),  # half up, not to even
        ("0.015", "USD", "USD", 2),
        ("0.0049", "USD", "USD", 0),
    ],
)
def test_amounts_are_integers_of_the_smallest_unit_rounded_half_up(
    amount, currency, report_currency, expected
):
    assert (
        to_minor_units(
            amount=Decimal(amount), currency=currency, report_currency=report_currency, at=COMPLETED
        )
        == expected
    )


def test_a_float_amount_is_refused():
    with pytest.raises(TypeError):
        to_minor_units(amount=1.45, currency="USD", report_currency="USD", at=COMPLETED)  # type: ignore[arg-type]


def test_rubles_are_converted_at_the_rate_valid_at_the_transaction_time(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    ExchangeRateFactory(rate=Decimal("0.0100"), valid_from=COMPLETED - timedelta(days=30))
    ExchangeRateFactory(rate=Decimal("0.01005"), valid_from=COMPLETED)  # valid from the very second
    ExchangeRateFactory(rate=Decimal("0.0200"), valid_from=COMPLETED + timedelta(seconds=1))
    sale = sale_of("plushpepe-1", amount_paid=Decimal("100"), currency="RUB", completed_at=COMPLETED)

    report = complete(sale)

    # 100 RUB * 0.01005 = 1.005 USD = 100.5 cents -> 101 (ROUND_HALF_UP, a single rounding)
    assert (report.status, report.payload["amount"], report.payload["currency"]) == (
        ReportStatus.PENDING,
        101,
        "USD",
    )


def test_rubles_are_reported_in_nanotons_when_the_report_currency_is_ton(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "TON"
    ExchangeRateFactory(
        to_currency="TON", rate=Decimal("0.003123456789"), valid_from=COMPLETED - timedelta(1)
    )
    sale = sale_of("plushpepe-1", amount_paid=Decimal("2500.00"), currency="RUB")

    report = complete(sale)

    # 2500 * 0.003123456789 = 7.8086419725 TON -> 7808641972.5 nanotons -> 7808641973
    assert (report.payload["amount"], report.payload["currency"]) == (7808641973, "TON")


def test_without_a_rate_the_report_waits_with_the_reason_and_goes_out_once_one_is_added(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    ExchangeRateFactory(valid_from=COMPLETED + timedelta(hours=1))  # too late for this sale
    sale = sale_of("plushpepe-1", amount_paid=Decimal("2500"), currency="RUB")

    report = complete(sale)
    assert (report.status, report.reason, report.payload) == (
        ReportStatus.WAITING,
        "no RUB->USD rate at 2026-02-06T10:23:12Z",
        None,
    )

    ExchangeRateFactory(rate=Decimal("0.0109"), valid_from=COMPLETED - timedelta(days=1))
    counts = reports.reevaluate_open_reports()

    report.refresh_from_db()
    assert counts[ReportStatus.PENDING] == 1
    assert (report.status, report.reason, report.payload["amount"]) == (ReportStatus.PENDING, "", 2725)


def test_a_gift_without_a_marketplace_name_holds_the_report_and_is_never_sent_by_its_numeric_id():
    sale = sale_of("plushpepe-1", "")
    gift_order = sale.orders.get(telegram_gift__marketplace_name="")

    report = complete(sale)
    assert (report.status, report.reason) == (ReportStatus.WAITING, "gift 🧸 has no marketplace name")

    gift_order.telegram_gift.marketplace_name = "teddy-3"
    gift_order.telegram_gift.save()
    reports.reevaluate_open_reports()

    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    assert report.payload["gift_names"] == ["plushpepe-1", "teddy-3"]
    assert "gift_name" not in report.payload


def test_one_gift_is_a_gift_name_and_several_are_gift_names_never_both():
    one = complete(sale_of("plushpepe-1"))
    two = complete(sale_of("plushpepe-1", "plushpepe-1"))

    assert (one.payload.get("gift_name"), "gift_names" in one.payload) == ("plushpepe-1", False)
    assert (two.payload.get("gift_names"), "gift_name" in two.payload) == (
        ["plushpepe-1", "plushpepe-1"],
        False,
    )


def test_a_sale_without_a_buyer_id_is_not_reportable_with_the_reason():
    report = complete(sale_of("plushpepe-1", buyer_id=None))

    assert (report.status, report.reason, report.payload) == (
        ReportStatus.NOT_REPORTABLE,
        "the sale has no buyer Telegram id",
        None,
    )


def test_every_reason_is_listed_at_once(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    report = complete(sale_of("", buyer_id=None, amount_paid=Decimal("100"), currency="rub"))

    assert (report.status, report.reason) == (
        ReportStatus.NOT_REPORTABLE,
        "the sale has no buyer Telegram id; gift 🧸 has no marketplace name; "
        "no RUB->USD rate at 2026-02-06T10:23:12Z",
    )


def test_an_amount_that_converts_to_nothing_is_not_reportable(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    ExchangeRateFactory(rate=Decimal("0.0109"))
    report = complete(sale_of("plushpepe-1", amount_paid=Decimal("0.40"), currency="RUB"))

    assert (report.status, report.reason) == (
        ReportStatus.NOT_REPORTABLE,
        "0.4 RUB converts to 0 cents",
    )


def test_recipient_and_seller_are_sent_only_when_they_apply_and_sale_type_defaults_to_listing():
    plain = complete(sale_of("plushpepe-1", recipient_id=None, seller_id=None))
    gifted = complete(sale_of("plushpepe-1", recipient_id=987654321, seller_id=None, sale_type="auction"))

    assert set(plain.payload) == {
        "transaction_id", "transaction_date", "amount", "currency", "sale_type", "gift_name", "buyer_id",
    }  # fmt: skip
    assert plain.payload["sale_type"] == "listing"
    assert (gifted.payload["recipient_id"], "seller_id" in gifted.payload) == (987654321, False)
    assert gifted.payload["sale_type"] == "auction"


def test_the_transaction_date_is_the_completion_time_in_unix_seconds():
    report = complete(
        sale_of("plushpepe-1", completed_at=datetime(2026, 2, 6, 10, 23, 12, 999000, tzinfo=UTC))
    )

    assert report.payload["transaction_date"] == 1770373392


def test_items_not_all_completed_hold_the_report():
    sale = sale_of("plushpepe-1", "plushpepe-2")
    sale.orders.filter(telegram_gift__marketplace_name="plushpepe-2").update(status=OrderStatus.PROCESSING)

    report = complete(sale)

    assert (report.status, report.reason) == (ReportStatus.WAITING, "1 of 2 items not completed")


def test_a_sale_without_telegram_gifts_writes_no_report():
    sale = SaleFactory()

    with transaction.atomic():
        on_sale_completed(sale=sale)

    assert not PurchaseReport.objects.exists()


def test_the_report_row_is_written_in_the_completing_transaction_and_only_once(
    django_capture_on_commit_callbacks,
):
    sale = sale_of("plushpepe-1")

    def completion_failing_after_the_hook() -> None:
        with transaction.atomic():
            on_sale_completed(sale=sale)
            raise RuntimeError("the completion failed after the hook")

    with pytest.raises(RuntimeError):
        completion_failing_after_the_hook()
    assert not PurchaseReport.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        on_sale_completed(sale=sale)
        on_sale_completed(sale=sale)
    assert PurchaseReport.objects.count() == 1
    assert [c.__qualname__ for c in callbacks] == ["enqueue_send_reports"]


def test_a_frozen_payload_is_never_rebuilt(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    ExchangeRateFactory(rate=Decimal("0.0109"), valid_from=COMPLETED - timedelta(days=1))
    report = complete(sale_of("plushpepe-1", amount_paid=Decimal("2500"), currency="RUB"))
    frozen = dict(report.payload)

    ExchangeRateFactory(rate=Decimal("0.0200"), valid_from=COMPLETED - timedelta(hours=1))
    report.sale.buyer_id = 42
    report.sale.save()
    reports.reevaluate_open_reports()

    report.refresh_from_db()
    assert report.payload == frozen


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"amount": 0}, "amount must be positive"),
        ({"amount": -145}, "amount must be positive"),
        ({"gift_name": ""}, "gift_name must not be empty"),
        ({"gift_name": "  "}, "gift_name must not be empty"),
        ({"gift_name": None, "gift_names": ()}, "gift_names must not be empty"),
        ({"gift_name": None, "gift_names": ("a", "")}, "gift_names must not hold an empty name"),
        ({"gift_names": ("a", "b")}, "exactly one of gift_name and gift_names must be given"),
        ({"transaction_id": ""}, "transaction_id must be 1-64 characters"),
        ({"transaction_id": "x" * 65}, "transaction_id must be 1-64 characters"),
        ({"buyer_id": None}, "buyer_id is required"),
        ({"currency": "RUB"}, "currency must be USD or TON"),
        ({"sale_type": "resale"}, "sale_type must be listing, offer or auction"),
        ({"transaction_date": 0}, "transaction_date must be positive"),
    ],
)
def test_the_client_refuses_a_broken_report_before_sending(changes, problem):
    fields = {
        "transaction_id": "t-1",
        "transaction_date": 1770373392,
        "amount": 145,
        "currency": "USD",
        "gift_name": "plushpepe-1",
        "buyer_id": 123456789,
    }
    with pytest.raises(ValueError) as refused:
        GiftPurchaseReport(**{**fields, **changes})
    assert str(refused.value) == problem


def test_64_characters_is_still_a_valid_transaction_id():
    report = GiftPurchaseReport(
        transaction_id="x" * 64, transaction_date=1, amount=1, currency="TON", gift_name="a", buyer_id=1
    )
    assert len(report.to_parameters()["transaction_id"]) == 64


def test_one_send_task_per_transaction_however_many_sales_it_completes(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(3):
            on_sale_completed(sale=sale_of("plushpepe-1"))

    assert [queued.func() for queued in OrmQ.objects.all()] == ["orders.tasks_reports.drain_reports"]


def test_a_rolled_back_savepoint_does_not_swallow_the_send_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                on_sale_completed(sale=sale_of("plushpepe-1"))
                raise RuntimeError("this completion rolls back")
        except RuntimeError:
            pass
        on_sale_completed(sale=sale_of("plushpepe-1"))

    assert OrmQ.objects.count() == 1
    assert PurchaseReport.objects.count() == 1
