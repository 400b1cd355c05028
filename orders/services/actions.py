"""What staff (and tasks) do to one supplier order, whichever the supplier: submit, refresh, retry,
cancel, resolve, reveal the key. Each refuses, with OrderActionError, in a state it does not apply to."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from giftoffice.transitions import InvalidTransition
from orders.models import OrderStatus, Supplier, SupplierOrder
from orders.services import gamesdrop, giftly
from orders.services.errors import Refusal
from orders.services.status import ConcurrentMove, record_event, set_status

__all__ = [
    "OrderActionError",
    "cancel_order",
    "is_retryable",
    "refresh_order",
    "resolve_order",
    "retry_order",
    "reveal_key",
    "submit_order",
    "submit_order_by_id",
]


class OrderActionError(Refusal):
    """The action does not apply to the order as it is now; the message says why."""


def submit_order(*, order: SupplierOrder, actor: Any = None) -> SupplierOrder:
    """Send a NEW order once. A SUBMITTING order whose worker died (a redelivered task) is never sent
    blindly: GamesDrop's is looked up by transaction id, Giftly's becomes OUTCOME_UNKNOWN."""
    if order.supplier == Supplier.GAMESDROP:
        return gamesdrop.submit(order=order, actor=actor)
    if order.status == OrderStatus.SUBMITTING and gamesdrop.is_stale(order):
        return giftly.recover_stale_submission(order=order)
    return giftly.send_gift(sale=order.sale, actor=actor).order


def submit_order_by_id(*, order_id: int) -> str:
    order = SupplierOrder.objects.filter(pk=order_id).first()
    if order is None:
        return f"order {order_id} not found"
    order = submit_order(order=order)
    return f"order {order.pk} ({order.transaction_id}): {order.status}"


def refresh_order(*, order: SupplierOrder, actor: Any = None) -> SupplierOrder:
    if order.supplier != Supplier.GAMESDROP:
        raise OrderActionError(_("Giftly has no status to ask for: a Giftly order is final once answered"))
    if order.status not in (
        OrderStatus.SUBMITTED,
        OrderStatus.PROCESSING,
        OrderStatus.OUTCOME_UNKNOWN,
        OrderStatus.SUBMITTING,
    ):
        raise OrderActionError(
            _("order is %(status)s: nothing to refresh"), status=OrderStatus(order.status).label
        )
    return gamesdrop.refresh(order=order, actor=actor)


def is_retryable(order: SupplierOrder) -> bool:
    """NEW (never sent) for both; OUTCOME_UNKNOWN only for GamesDrop, whose lookup by transaction id
    makes a retry safe. A Giftly OUTCOME_UNKNOWN is resolved by staff, never resent."""
    if order.status == OrderStatus.NEW:
        return True
    return order.supplier == Supplier.GAMESDROP and order.status == OrderStatus.OUTCOME_UNKNOWN


def retry_order(*, order: SupplierOrder, actor: Any = None) -> SupplierOrder:
    if not is_retryable(order):
        if order.supplier == Supplier.GIFTLY and order.status == OrderStatus.OUTCOME_UNKNOWN:
            raise OrderActionError(
                _(
                    "a Giftly send of unknown outcome is never resent "
                    "(it could send a second gift): resolve it"
                )
            )
        raise OrderActionError(
            _("order is %(status)s: it cannot be retried"), status=OrderStatus(order.status).label
        )
    if order.status == OrderStatus.OUTCOME_UNKNOWN:
        return gamesdrop.reconcile(order=order, actor=actor, resend=True)
    return submit_order(order=order, actor=actor)


def cancel_order(*, order: SupplierOrder, actor: Any, note: str = "") -> SupplierOrder:
    if order.status != OrderStatus.NEW:
        raise OrderActionError(
            _("order is %(status)s: only an order not yet sent can be canceled"),
            status=OrderStatus(order.status).label,
        )
    try:
        return set_status(
            order=order,
            to=OrderStatus.CANCELED,
            actor=actor,
            message=note or "canceled by staff before it was sent",
            supplier_message="canceled by staff before it was sent",
            next_poll_at=None,
        )
    except (ConcurrentMove, InvalidTransition) as exc:
        raise OrderActionError(_("order moved meanwhile: %(error)s"), error=exc) from exc


def resolve_order(*, order: SupplierOrder, actor: Any, delivered: bool, note: str) -> SupplierOrder:
    """Staff's verdict on a send of unknown outcome, with the note saying how they know."""
    if order.status != OrderStatus.OUTCOME_UNKNOWN:
        raise OrderActionError(
            _("order is %(status)s: only an order of unknown outcome can be resolved"),
            status=OrderStatus(order.status).label,
        )
    note = (note or "").strip()
    if not note:
        raise OrderActionError(_("say how you know (a note is required)"))
    verdict = "delivered" if delivered else "not delivered"
    try:
        return set_status(
            order=order,
            to=OrderStatus.COMPLETED if delivered else OrderStatus.CANCELED,
            actor=actor,
            message=f"resolved by staff: {verdict}. {note}",
            supplier_message=f"resolved by staff: {verdict}",
            next_poll_at=None,
        )
    except (ConcurrentMove, InvalidTransition) as exc:
        raise OrderActionError(_("order moved meanwhile: %(error)s"), error=exc) from exc


def reveal_key(*, order: SupplierOrder, actor: Any) -> str:
    """The activation key in clear; every reveal is an event (who, when)."""
    if not order.activation_key:
        raise OrderActionError(_("this order has no activation key"))
    record_event(order=order, actor=actor, message="activation key revealed")
    return order.activation_key
