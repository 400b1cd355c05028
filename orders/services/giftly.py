"""Giftly: send one Telegram gift, exactly once.

buyGift has no idempotency key, so a request that may have reached Giftly is never sent again by
itself: only HTTP 201 is success; another 2xx, a timeout or a dropped connection after sending is
OUTCOME_UNKNOWN, for staff to resolve; a 4xx is CANCELED with Giftly's message. Only a request that
never left (connection refused, connect timeout) or that Giftly turned away with 429 goes back to NEW
and may be sent again.

`send_gift` sends one sale's gift and returns its supplier order, whatever the outcome, so a campaign
can call it in a loop and decide from `order.status` (and `last_error`) whether to go on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.models import TelegramGift
from giftoffice.integrations.base import (
    AuthError,
    IntegrationError,
    OutcomeUnknownError,
    RejectedError,
    UnavailableError,
)
from giftoffice.integrations.giftly import GiftlyClient, GiftOrder
from orders.models import OrderStatus, Sale, Supplier, SupplierOrder
from orders.services.sales import SaleInputError
from orders.services.status import ConcurrentMove, claim_for_submission, set_status

__all__ = [
    "SendResult",
    "create_gift_orders",
    "create_gift_sale",
    "recover_stale_submission",
    "send_gift",
]

NOT_SENT_ATTEMPTS = 3  # tries of a request that never reached Giftly, in one send_gift call

QUEUED_MESSAGE = "Giftly accepted the gift (HTTP 201) and queued its delivery"


@dataclass(frozen=True)
class SendResult:
    order: SupplierOrder
    auth_failed: bool = False  # Giftly refused our token: every further send would fail the same way
    # Giftly refused account-wide before the gift left (the order is still NEW): a campaign pauses here
    # with this reason, resumable, rather than go on to recipients that would be refused the same way.
    pause_reason: str = ""


def create_gift_sale(
    *,
    telegram_gift: TelegramGift,
    recipient_id: int,
    text: str | None = None,
    buyer_id: int | None = None,
    amount_paid: Decimal | None = None,
    currency: str = "",
    user: Any = None,
    gift: Any = None,
) -> Sale:
    """A sale of one Telegram gift to one recipient, with its NEW Giftly order; nothing is sent yet.

    `gift`: the gift of our catalog sold ("Sell…" on a gift), recorded on the sale."""
    return create_gift_orders(
        telegram_gift=telegram_gift,
        recipient_ids=[recipient_id],
        text=text,
        buyer_id=buyer_id,
        amount_paid=amount_paid,
        currency=currency,
        user=user,
        gift=gift,
    )[0].sale


def create_gift_orders(
    *,
    telegram_gift: TelegramGift,
    recipient_ids: list[int],
    text: str | None = None,
    buyer_id: int | None = None,
    amount_paid: Decimal | None = None,
    currency: str = "",
    user: Any = None,
    gift: Any = None,
) -> list[SupplierOrder]:
    """One sale with its NEW Giftly order per recipient, in the order given, written together (three
    statements however many: a campaign creates its sales a chunk ahead of their sends). Each order
    comes with its sale and Telegram gift in hand: `send_gift(sale=order.sale, order=order)` reads
    nothing back."""
    if not telegram_gift.active:
        raise SaleInputError(_("Telegram gift %(gift)s is not on sale"), gift=telegram_gift.gift_id)
    for recipient_id in recipient_ids:
        if recipient_id <= 0:
            raise SaleInputError(_("recipient %(id)s is not a Telegram user id"), id=recipient_id)
    created_by = user if getattr(user, "pk", None) else None
    # No savepoint when nested (a campaign adds its position rows in the same transaction): nothing here
    # catches an error to go on, so the outer transaction rolls back whole anyway.
    with transaction.atomic(savepoint=False):
        sales = Sale.objects.bulk_create(
            Sale(
                buyer_id=buyer_id,
                recipient_id=recipient_id,
                amount_paid=amount_paid,
                currency=currency,
                gift=gift,
                created_by=created_by,
            )
            for recipient_id in recipient_ids
        )
        orders = SupplierOrder.objects.bulk_create(
            SupplierOrder(
                sale=sale,
                supplier=Supplier.GIFTLY,
                telegram_gift=telegram_gift,
                price=telegram_gift.price_rub,
                currency="RUB",
                request={"recipient": str(sale.recipient_id)} | ({} if text is None else {"text": text}),
            )
            for sale in sales
        )
    return orders


def send_gift(
    *,
    sale: Sale,
    actor: Any = None,
    client: GiftlyClient | None = None,
    order: SupplierOrder | None = None,
) -> SendResult:
    """Send the sale's gift if it was never sent; returns the order with its outcome.

    The NEW -> SUBMITTING compare-and-set is committed before the request leaves, and no transaction
    is open during it: two callers at once make one buyGift call, the other gets the order untouched.
    `order`: the sale's Giftly order when the caller has it in hand (a campaign just created it); a
    stale copy is harmless, the claim compares the status in the database.
    """
    if order is None or order.sale_id != sale.pk:
        order = SupplierOrder.objects.select_related("telegram_gift").get(sale=sale, supplier=Supplier.GIFTLY)
    order.sale = sale  # completing the sale reads it: no second query
    client = client or GiftlyClient()
    for attempt in range(1, NOT_SENT_ATTEMPTS + 1):
        if not claim_for_submission(order=order, actor=actor):
            order.refresh_from_db()
            return SendResult(order=order)
        result = _send(order=order, actor=actor, client=client)
        if result.order.status != OrderStatus.NEW or attempt == NOT_SENT_ATTEMPTS:
            return result
        time.sleep(settings.INTEGRATION_BACKOFF_SECONDS * attempt)
    raise AssertionError("unreachable")


def _send(*, order: SupplierOrder, actor: Any, client: GiftlyClient) -> SendResult:
    request = order.request or {}
    gift = GiftOrder(
        recipient=request["recipient"], gift_id=order.telegram_gift.gift_id, text=request.get("text")
    )
    try:
        accepted = client.buy_gift(gift)
    except OutcomeUnknownError as exc:
        return SendResult(order=_move(order, OrderStatus.OUTCOME_UNKNOWN, actor, _unknown_message(exc)))
    except AuthError as exc:
        message = f"Giftly refused our token, nothing was sent: {exc.message}"
        return SendResult(order=_move(order, OrderStatus.CANCELED, actor, message), auth_failed=True)
    except UnavailableError as exc:
        # Never reached Giftly (refused, connect timeout) or turned away with 429: nothing was sent.
        return SendResult(order=_move(order, OrderStatus.NEW, actor, f"not sent ({exc}); may be sent again"))
    except RejectedError as exc:
        return SendResult(order=_move(order, OrderStatus.CANCELED, actor, f"Giftly refused: {exc.message}"))
    except IntegrationError as exc:  # e.g. a redirect: the request went out, what it did is unknown
        return SendResult(order=_move(order, OrderStatus.OUTCOME_UNKNOWN, actor, _unknown_message(exc)))
    message = QUEUED_MESSAGE + (f": {accepted.message}" if accepted.message else "")
    done = _move(
        order,
        OrderStatus.COMPLETED,
        actor,
        message,
        answer={"id": accepted.id, "message": accepted.message},
        supplier_order_id=accepted.id[:64],
    )
    return SendResult(order=done)


def _unknown_message(exc: Exception) -> str:
    return (
        f"Giftly may or may not have sent the gift ({exc}). It is not sent again by itself: Giftly has no "
        "idempotency key, so a resend can send a second gift. Check with Giftly, then resolve."
    )


def _move(
    order: SupplierOrder, to: str, actor: Any, message: str, *, answer: Any = None, **fields: Any
) -> SupplierOrder:
    return set_status(
        order=order,
        to=to,
        actor=actor,
        message=message,
        supplier_answer=answer,
        supplier_message=message,
        **fields,
    )


def recover_stale_submission(*, order: SupplierOrder) -> SupplierOrder:
    """A Giftly order left SUBMITTING by a worker that died: the request may have left, so it is
    OUTCOME_UNKNOWN, never sent again."""
    try:
        return set_status(
            order=order,
            to=OrderStatus.OUTCOME_UNKNOWN,
            message="the worker stopped while sending; "
            + _unknown_message(RuntimeError("no answer recorded")),
            supplier_message="the worker stopped while sending; outcome unknown",
        )
    except ConcurrentMove:
        order.refresh_from_db()
        return order
