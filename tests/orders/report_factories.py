"""Sales of Telegram gifts for the report tests (kept apart from the purchase flow's own factories)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import factory

from orders.models import ExchangeRate, OrderStatus, Sale, Supplier, SupplierOrder
from tests.suppliers.factories import TelegramGiftFactory


class SaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sale

    buyer_id = 123456789
    amount_paid = Decimal("25.00")
    currency = "USD"
    completed_at = datetime(2026, 2, 6, 10, 23, 12, tzinfo=UTC)


class GiftOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierOrder

    sale = factory.SubFactory(SaleFactory)
    supplier = Supplier.GIFTLY
    telegram_gift = factory.SubFactory(TelegramGiftFactory, marketplace_name="plushpepe-1")
    status = OrderStatus.COMPLETED


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    from_currency = "RUB"
    to_currency = "USD"
    rate = Decimal("0.0109")
    valid_from = datetime(2026, 1, 1, tzinfo=UTC)


def sale_of(*names: str, **sale_fields) -> Sale:
    """A completed sale of one Telegram gift per marketplace name ("" = a gift without one)."""
    sale = SaleFactory(**sale_fields)
    for name in names:
        GiftOrderFactory(sale=sale, telegram_gift=TelegramGiftFactory(marketplace_name=name, emoji="🧸"))
    return sale
