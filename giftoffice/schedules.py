"""Every app's django-q2 schedules in one call (catalog never imports orders; this module knows both)."""

from __future__ import annotations

from django_q.models import Schedule

from catalog.services import schedules as catalog_schedules
from orders.services import schedules as orders_schedules


def ensure_all_schedules() -> list[Schedule]:
    return [*catalog_schedules.ensure_schedules(), *orders_schedules.ensure_schedules()]
