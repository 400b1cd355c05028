"""The orders' django-q2 schedules (polling open supplier orders, sending Telegram purchase reports,
reading supplier balances), created idempotently by name."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_q.models import Schedule

from giftoffice.task_paths import task_path
from orders.services.balance import refresh_balances
from orders.tasks import poll_open_orders
from orders.tasks_reports import send_reports

__all__ = ["desired_schedules", "ensure_schedules"]


def desired_schedules() -> dict[str, dict]:
    return {
        "poll-supplier-orders": {
            "func": task_path(poll_open_orders),
            "args": "",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.ORDERS_POLL_EVERY_MINUTES,
        },
        # Sends due reports and re-evaluates waiting ones (a rate imported, a gift's name set).
        "report-telegram-purchases": {
            "func": task_path(send_reports),
            "args": "",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.TELEGRAM_REPORTS_EVERY_MINUTES,
        },
        # The admin shows the stored balances, so no page waits on a supplier that hangs.
        "read-supplier-balances": {
            "func": task_path(refresh_balances),
            "args": "",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.BALANCE_READ_EVERY_MINUTES,
        },
    }


@transaction.atomic
def ensure_schedules() -> list[Schedule]:
    return [
        Schedule.objects.update_or_create(name=name, defaults=fields)[0]
        for name, fields in desired_schedules().items()
    ]
