"""django-q2 schedules for the catalog syncs, created idempotently (one row per name, ever)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_q.models import Schedule

from catalog.models import SyncSource
from catalog.tasks import scheduled_sync
from giftoffice.task_paths import task_path


def desired_schedules() -> dict[str, dict]:
    return {
        "sync-gamesdrop-offers": {
            "func": task_path(scheduled_sync),
            "args": repr(SyncSource.GAMESDROP_OFFERS.value),
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.SYNC_OFFERS_EVERY_MINUTES,
        },
        "sync-tribute-products": {
            "func": task_path(scheduled_sync),
            "args": repr(SyncSource.TRIBUTE_PRODUCTS.value),
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.SYNC_PRODUCTS_EVERY_MINUTES,
        },
    }


@transaction.atomic
def ensure_schedules() -> list[Schedule]:
    """Create or update each schedule by name; running it twice leaves one schedule each."""
    schedules = []
    for name, fields in desired_schedules().items():
        schedule, _created = Schedule.objects.update_or_create(name=name, defaults=fields)
        schedules.append(schedule)
    return schedules
