"""Queueing a supplier order's send: after the commit that created it, so the worker finds the row."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task

from orders.models import SupplierOrder

__all__ = ["enqueue_submit"]


def enqueue_submit(*, order: SupplierOrder) -> None:
    # Imported here: orders.tasks imports the services that import this module.
    from orders.tasks import submit_order

    pk = order.pk
    transaction.on_commit(
        lambda: async_task(submit_order, pk, task_name=f"submit-order-{pk}", group="orders")
    )
