"""The one way a supplier order changes status: checked against ORDER_TRANSITIONS, recorded as an event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from giftoffice.transitions import check_transition
from orders.models import ORDER_TRANSITIONS, OrderEvent, OrderStatus, SupplierOrder
from orders.models.orders import FINAL_STATUSES
from orders.services.sales import complete_sale_if_done

__all__ = ["ConcurrentMove", "claim_for_submission", "record_event", "scrub", "set_status"]

SECRET_KEYS = frozenset({"token", "key", "activation_key", "api_key", "authorization", "password"})


def scrub(answer: Any) -> Any:
    """The supplier's answer without secrets (tokens, activation keys), fit to store in an event."""
    if isinstance(answer, dict):
        return {k: ("***" if str(k).lower() in SECRET_KEYS else scrub(v)) for k, v in answer.items()}
    if isinstance(answer, list):
        return [scrub(v) for v in answer]
    return answer


class ConcurrentMove(Exception):
    """Another worker moved the order first (and the move from its status would be allowed too)."""

    def __init__(self, pk: int, current: str) -> None:
        super().__init__(f"SupplierOrder {pk}: moved to {current} by another worker")
        self.current = current


def record_event(
    *, order: SupplierOrder, actor: Any = None, message: str = "", supplier_answer: Any = None
) -> OrderEvent:
    """An event that is not a move (a key revealed, a note)."""
    return OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        actor=actor if getattr(actor, "pk", None) else None,
        message=message,
        supplier_answer=scrub(supplier_answer) if supplier_answer is not None else None,
    )


def set_status(
    *,
    order: SupplierOrder,
    to: str,
    actor: Any = None,
    message: str = "",
    supplier_answer: Any = None,
    **fields: Any,
) -> SupplierOrder:
    """Move `order` to `to` (InvalidTransition if the table forbids it), save `fields`, write the event.

    The move is a compare-and-set on the status the caller saw, so two workers cannot both make it;
    the loser gets InvalidTransition from the status it finds.
    """
    check_transition(machine="SupplierOrder", table=ORDER_TRANSITIONS, current=order.status, target=to)
    now = timezone.now()
    updates: dict[str, Any] = {"status": to, "updated_at": now, **fields}
    if to in FINAL_STATUSES and "finished_at" not in fields:
        updates["finished_at"] = now
    with transaction.atomic():
        moved = SupplierOrder.objects.filter(pk=order.pk, status=order.status).update(**updates)
        if not moved:
            current = SupplierOrder.objects.values_list("status", flat=True).get(pk=order.pk)
            check_transition(machine="SupplierOrder", table=ORDER_TRANSITIONS, current=current, target=to)
            raise ConcurrentMove(order.pk, current)
        from_status = order.status
        for name, value in updates.items():
            setattr(order, name, value)
        OrderEvent.objects.create(
            order=order,
            from_status=from_status,
            to_status=to,
            actor=actor if getattr(actor, "pk", None) else None,
            message=message,
            supplier_answer=scrub(supplier_answer) if supplier_answer is not None else None,
        )
        if to == OrderStatus.COMPLETED:
            # Same transaction as the move: a sale is completed (and reported) iff its last order is.
            complete_sale_if_done(sale=order.sale)
    return order


def claim_for_submission(*, order: SupplierOrder, actor: Any = None) -> bool:
    """NEW -> SUBMITTING as one UPDATE ... WHERE status = NEW: exactly one caller wins and may send.

    Runs in its own short transaction and commits before any network call, so no row lock is held
    while the supplier is asked.
    """
    with transaction.atomic():
        won = SupplierOrder.objects.filter(pk=order.pk, status=OrderStatus.NEW).update(
            status=OrderStatus.SUBMITTING,
            attempts=F("attempts") + 1,
            submitted_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not won:
            return False
        OrderEvent.objects.create(
            order_id=order.pk,
            from_status=OrderStatus.NEW,
            to_status=OrderStatus.SUBMITTING,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    order.refresh_from_db()
    return True
