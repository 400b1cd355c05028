"""django-q2 entry points: a few lines each, the work is in services. Each is safe to run twice."""

from orders.services import actions, polling


def submit_order(order_id: int) -> str:
    return actions.submit_order_by_id(order_id=order_id)


def poll_open_orders() -> str:
    return polling.poll_orders().summary()
