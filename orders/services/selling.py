"""Selling a gift of our catalog ("gift with product"): buying the supplier item that fulfils it.

The catalog only names the item (`Gift.telegram_gift` or `Gift.offer`); buying it is the orders'
job, through the same services as a direct purchase, with the gift recorded on the sale.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from catalog.models import Gift
from orders.models import Supplier, SupplierOrder
from orders.services.giftly import create_gift_orders
from orders.services.sales import SaleInputError

__all__ = ["fulfilling_supplier", "sell_telegram_gift"]


def fulfilling_supplier(gift: Gift) -> str:
    """Which supplier fulfils the gift; SaleInputError when it names no supplier item."""
    if gift.telegram_gift_id is not None:
        return Supplier.GIFTLY
    if gift.offer_id is not None:
        return Supplier.GAMESDROP
    raise SaleInputError(
        _("gift %(gift)s names no supplier item: choose a Telegram gift or an offer on the gift first"),
        gift=gift,
    )


def sell_telegram_gift(
    *,
    gift: Gift,
    recipient_id: int,
    text: str | None = None,
    buyer_id: int | None = None,
    amount_paid: Decimal | None = None,
    currency: str = "",
    user: Any = None,
) -> SupplierOrder:
    """A sale of our gift fulfilled by its Telegram gift, its order NEW; its send is queued on commit
    (sent once) by `orders.services.queue.sell_telegram_gift`."""
    if fulfilling_supplier(gift) != Supplier.GIFTLY:
        raise SaleInputError(
            _("gift %(gift)s is fulfilled by a GamesDrop offer, not a Telegram gift"), gift=gift
        )
    (order,) = create_gift_orders(
        telegram_gift=gift.telegram_gift,
        recipient_ids=[recipient_id],
        text=text,
        buyer_id=buyer_id,
        amount_paid=amount_paid,
        currency=currency,
        user=user,
        gift=gift,
    )
    return order
