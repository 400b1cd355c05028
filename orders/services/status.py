"""The one way a supplier order changes status: checked against ORDER_TRANSITIONS, recorded as an event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from giftoffice.rows import insert, update_returning, update_where
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

    The move is a compare-and-set on the status and the claim the caller saw, so two workers cannot
    both make it, nor can one holding a copy from before a later claim (the status may have come back
    to the same value meanwhile); the loser gets InvalidTransition from the status it finds, or
    ConcurrentMove. Its UPDATE and event are written with
    giftoffice.rows (the ORM's `filter().update()` and `create()` without their per-call compilation:
    a campaign makes thousands of these moves).
    """
    check_transition(machine="SupplierOrder", table=ORDER_TRANSITIONS, current=order.status, target=to)
    now = timezone.now()
    updates: dict[str, Any] = {"status": to, "updated_at": now, **fields}
    if to in FINAL_STATUSES and "finished_at" not in fields:
        updates["finished_at"] = now
    with transaction.atomic():
        moved = update_where(
            SupplierOrder,
            where={"pk": order.pk, "status": order.status, "claim": order.claim},
            values=updates,
        )
        if not moved:
            current = SupplierOrder.objects.values_list("status", flat=True).get(pk=order.pk)
            check_transition(machine="SupplierOrder", table=ORDER_TRANSITIONS, current=current, target=to)
            raise ConcurrentMove(order.pk, current)
        from_status = order.status
        for name, value in updates.items():
            setattr(order, name, value)
        insert(
            OrderEvent(
                order=order,
                from_status=from_status,
                to_status=to,
                actor=actor if getattr(actor, "pk", None) else None,
                message=message,
                supplier_answer=scrub(supplier_answer) if supplier_answer is not None else None,
            )
        )
        if to == OrderStatus.COMPLETED:
            # Same transaction as the move: a sale is completed (and reported) iff its last order is.
            complete_sale_if_done(sale=order.sale, completed=order)
    return order


def claim_for_submission(*, order: SupplierOrder, actor: Any = None) -> bool:
    """NEW -> SUBMITTING as one UPDATE ... WHERE status = NEW: exactly one caller wins and may send.

    The winner's `order` carries the new claim, which its later moves compare. Runs in its own short
    transaction and commits before any network call, so no row lock is held while the supplier is asked.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = _claim_row(pk=order.pk, now=now)
        if claimed is None:
            return False
        attempts, claim = claimed
        insert(
            OrderEvent(
                order_id=order.pk,
                from_status=OrderStatus.NEW,
                to_status=OrderStatus.SUBMITTING,
                actor=actor if getattr(actor, "pk", None) else None,
            )
        )
    # The claim wrote these; RETURNING gave the one it computed, so no refresh (bench/purchases.py).
    order.status, order.attempts, order.claim = OrderStatus.SUBMITTING, attempts, claim
    order.submitted_at = order.updated_at = now
    return True


def _claim_row(*, pk: int, now: Any) -> tuple[int, int] | None:
    """The compare-and-set itself, returning the new attempt count and claim (None: not NEW any more).

    UPDATE ... RETURNING (giftoffice.rows.update_returning): the values another worker may have raised
    are read in the same statement instead of a second SELECT.
    """
    return update_returning(
        SupplierOrder,
        where={"pk": pk, "status": OrderStatus.NEW},
        values={"status": OrderStatus.SUBMITTING, "submitted_at": now, "updated_at": now},
        increment=("attempts", "claim"),
        returning=("attempts", "claim"),
    )
