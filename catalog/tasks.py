"""django-q2 entry points: a few lines each, the work is in services.

Queued syncs run `catalog.services.sync_queue.run_queued_sync` itself (enqueued as a function object);
a schedule stores a dotted path, so it names this module-level task (see `services/schedules.py`).
"""

from catalog.services import sync_queue


def scheduled_sync(source: str) -> str:
    return sync_queue.run_scheduled_sync(source=source)
