"""Sales: creating one with its supplier order, and the one place a sale becomes completed."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from giftoffice.rows import update_unless_related
from orders.models import OrderStatus, Sale, SupplierOrder
from orders.services import report_outbox
from orders.services.errors import Refusal

__all__ = ["SaleInputError", "complete_sale_if_done", "on_sale_completed", "parse_paid"]

PAID_PLACES = 9  # Sale.amount_paid holds TON to the nanoton
PAID_WHOLE_DIGITS = 21  # Sale.amount_paid and Campaign.amount_paid: max_digits 30 less the 9 places
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", re.ASCII)


class SaleInputError(Refusal, ValueError):
    """Input refused before anything is created or sent."""


def parse_paid(*, amount: Any, currency: str | None) -> tuple[Decimal | None, str]:
    """What the customer paid, checked: a positive amount with at most nine places and a known currency.

    Both or neither: an amount without its currency means nothing.
    """
    if amount in (None, "") and not currency:
        return None, ""
    if amount in (None, "") or not currency:
        raise SaleInputError(_("give the amount paid together with its currency"))
    if isinstance(amount, Decimal):
        value = amount
    else:
        # Plain ASCII digits only: Decimal() alone also takes "1e25", "inf", "1_000" and fullwidth digits.
        text = str(amount).strip()
        if not PLAIN_NUMBER.fullmatch(text):
            raise SaleInputError(
                _("amount paid %(amount)s is not a plain number: digits and one decimal point, no exponent"),
                amount=repr(text),
            )
        value = Decimal(text)
    if not value.is_finite() or value <= 0:
        raise SaleInputError(_("amount paid must be more than 0, not %(amount)s"), amount=amount)
    if -value.as_tuple().exponent > PAID_PLACES:
        raise SaleInputError(_("amount paid has more than %(places)s decimal places"), places=PAID_PLACES)
    if value.adjusted() >= PAID_WHOLE_DIGITS:
        raise SaleInputError(
            _("amount paid %(amount)s is too large: at most %(digits)s digits before the decimal point"),
            amount=amount,
            digits=PAID_WHOLE_DIGITS,
        )
    code = currency.strip().upper()
    if code not in settings.ORDERS_CURRENCIES:
        known = ", ".join(settings.ORDERS_CURRENCIES)
        raise SaleInputError(
            _("unknown currency %(currency)s; one of %(known)s"), currency=repr(currency), known=known
        )
    return value, code


def on_sale_completed(
    *, sale: Sale, orders: list[SupplierOrder] | None = None, first_completion: bool = False
) -> None:
    """Hook: the sale has just completed, inside the transaction that completed it.

    The Telegram report row commits (or rolls back) with the completion itself: no sale is lost to a
    crash between the two, and none is reported that did not complete. Keep it free of network calls.
    Idempotent, unless `first_completion` says the caller has just set completed_at (then no report
    can exist yet and none is looked for). `orders`: every order of the sale, if the caller has them.
    """
    report_outbox.record_sale_report(sale=sale, orders=orders, first_completion=first_completion)


def complete_sale_if_done(*, sale: Sale, completed: SupplierOrder | None = None) -> bool:
    """Mark the sale completed once every one of its supplier orders is COMPLETED; True if it did now.

    Call it inside the transaction that moves a supplier order to COMPLETED (set_status does, passing
    that order as `completed`). The sale row is locked, so two orders completing at once still complete
    the sale (and call the hook) exactly once.

    A sale of one order (every Giftly send, every GamesDrop purchase) completes with one conditional
    UPDATE: "no order of the sale but `completed`" (which the caller just completed). The row it
    updates is locked, so a second caller finds completed_at set, and the hook is given `[completed]`:
    it reads no orders back. When that UPDATE changes nothing (already completed, or a sale of several
    orders) the locking path below decides, with a fresh read after the lock.
    """
    now = timezone.now()
    # No savepoint: set_status calls this inside its move and lets any error roll the move back.
    with transaction.atomic(savepoint=False):
        if completed is not None and _complete_single(sale_id=sale.pk, order_id=completed.pk, now=now):
            sale.completed_at = now
            on_sale_completed(sale=sale, orders=[completed], first_completion=True)
            return True
        locked = Sale.objects.select_for_update().get(pk=sale.pk)
        if locked.completed_at is not None:
            sale.completed_at = locked.completed_at
            return False
        statuses = set(SupplierOrder.objects.filter(sale_id=sale.pk).values_list("status", flat=True))
        if statuses != {OrderStatus.COMPLETED}:
            return False
        now = timezone.now()
        Sale.objects.filter(pk=sale.pk).update(completed_at=now)
        sale.completed_at = now
        on_sale_completed(sale=sale, first_completion=True)
    return True


def _complete_single(*, sale_id: int, order_id: int, now: Any) -> bool:
    """completed_at set iff it was empty and `order_id` is the sale's only order, in one statement
    (giftoffice.rows.update_unless_related names the ORM form it replaces)."""
    return update_unless_related(
        Sale, pk=sale_id, unset="completed_at", value=now, related=SupplierOrder, link="sale", but=order_id
    )
