"""Demo Telegram purchase reports for `make run` (idempotent: keyed by fixed transaction ids)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders.models import (
    ExchangeRate,
    OrderStatus,
    PurchaseReport,
    ReportStatus,
    Sale,
    Supplier,
    SupplierOrder,
)
from orders.services.sales import on_sale_completed

__all__ = ["load_demo_reports"]

RATE_FROM = datetime(2026, 2, 1, tzinfo=UTC)
GIFT_IDS = {"🌹": "5168103777563050263", "🎁": "5170250947678437525", "🧸": "5170233102089322756"}
DEMO_NAMES = {"🌹": "rose-demo-1", "🎁": "giftbox-demo-1"}  # the teddy bear 🧸 stays without one


def _demo_sale(transaction_id: str, emojis: list[str], **fields) -> Sale:
    from catalog.models import TelegramGift

    sale, created = Sale.objects.get_or_create(transaction_id=transaction_id, defaults=fields)
    if created:
        for emoji in emojis:
            SupplierOrder.objects.create(
                sale=sale,
                supplier=Supplier.GIFTLY,
                telegram_gift=TelegramGift.objects.get(gift_id=GIFT_IDS[emoji]),
                status=OrderStatus.COMPLETED,
                finished_at=sale.completed_at,
            )
        on_sale_completed(sale=sale)
    return sale


@transaction.atomic
def load_demo_reports() -> str:
    """Reports in each state: reported, waiting for a rate, waiting for a gift's name, failed with
    Telegram's description, and one pending that the task queue sends to the sandbox once it runs."""
    from catalog.models import TelegramGift

    for emoji, name in DEMO_NAMES.items():
        TelegramGift.objects.filter(gift_id=GIFT_IDS[emoji], marketplace_name="").update(
            marketplace_name=name
        )
    ExchangeRate.objects.get_or_create(
        from_currency="RUB", to_currency="USD", valid_from=RATE_FROM, defaults={"rate": Decimal("0.0109")}
    )
    ExchangeRate.objects.get_or_create(
        from_currency="RUB", to_currency="TON", valid_from=RATE_FROM, defaults={"rate": Decimal("0.0031")}
    )
    common = {"buyer_id": 123456789, "recipient_id": 987654321}
    when = datetime(2026, 2, 6, 10, 23, 12, tzinfo=UTC)
    reported = _demo_sale(
        "demo-reported", ["🌹"], amount_paid=Decimal("2.50"), currency="USD", completed_at=when, **common
    )
    _demo_sale(  # completed before the first RUB rate: waits for one
        "demo-waiting-rate",
        ["🌹", "🎁"],
        amount_paid=Decimal("50"),
        currency="RUB",
        completed_at=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
        **common,
    )
    _demo_sale(
        "demo-waiting-name", ["🧸"], amount_paid=Decimal("15"), currency="RUB", completed_at=when, **common
    )
    failed = _demo_sale(
        "demo-failed", ["🎁"], amount_paid=Decimal("25"), currency="RUB", completed_at=when, **common
    )
    _demo_sale(
        "demo-pending",
        ["🎁"],
        amount_paid=Decimal("25"),
        currency="RUB",
        completed_at=timezone.now(),
        **common,
    )
    now = timezone.now()
    # As if sent earlier: the demo's sandbox is not served yet while the demo loads.
    PurchaseReport.objects.filter(sale=reported, status=ReportStatus.PENDING).update(
        status=ReportStatus.REPORTED, result="accepted", attempts=1, first_attempt_at=now,
        last_attempt_at=now, reported_at=now,
    )  # fmt: skip
    PurchaseReport.objects.filter(sale=failed, status=ReportStatus.PENDING).update(
        status=ReportStatus.FAILED, attempts=1, first_attempt_at=now, last_attempt_at=now,
        last_error="Bad Request: STARGIFT_INVALID",
    )  # fmt: skip
    counts = {
        status: PurchaseReport.objects.filter(transaction_id__startswith="demo-", status=status).count()
        for status in ReportStatus.values
    }
    return ", ".join(f"{n} {s.lower()}" for s, n in counts.items() if n)
