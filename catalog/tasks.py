"""django-q2 entry points: a few lines each, the work is in services."""

from catalog.services import sync_runs


def run_queued_sync(run_id: int) -> str:
    return sync_runs.run_queued_sync(run_id=run_id)


def scheduled_sync(source: str) -> str:
    return sync_runs.run_scheduled_sync(source=source)
