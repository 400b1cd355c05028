"""Catalog syncs (Tribute products, GamesDrop offers) as runs of the shared lifecycle (giftoffice.runs).

Each sync service takes an optional queued `run` and wraps its work in `tracked_run`, so a run
queued from the admin, one from a schedule and one from a command all end up recorded the same way.
The services import this module; queueing them (which needs the services) is in `sync_queue`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from catalog.models import SyncRun
from giftoffice.runs.models import RunStatus, RunTrigger
from giftoffice.runs.services import fail_dead_runs, running, this_process


@contextmanager
def tracked_run(
    *,
    source: str,
    run: SyncRun | None = None,
    trigger: str = RunTrigger.COMMAND,
    params: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> Iterator[SyncRun]:
    """Run the block as the sync's work (giftoffice.runs lifecycle): running with a heartbeat, then
    succeeded, or failed with a one-line error (and the exception goes on) when the block raises.

    The caller fills in the counts on the yielded run; they are saved with the final status.
    """
    if run is None:
        run = SyncRun.objects.create(source=source, trigger=trigger, params=params or {}, dry_run=dry_run)
    elif dry_run and not run.dry_run:
        run.dry_run = True
        run.save(update_fields=["dry_run"])
    # A run claimed by sync_queue.run_queued_sync is already running: `running` leaves its claim as it is.
    with running(run, claimed_by=this_process()):
        yield run


# --- shared by the sync services -----------------------------------------------------------------

UPDATE_CHUNK = 500  # values per `IN (...)`, under SQLite's variable limit


def record_counts(
    run: SyncRun, *, fetched: int, created: int, updated: int, unchanged: int, removed: int
) -> None:
    """Set every count a sync reports on its run (`tracked_run` saves them with the final status);
    all five are required, so no sync can leave one at a stale value."""
    run.fetched, run.created, run.updated = fetched, created, updated
    run.unchanged, run.removed = unchanged, removed


def update_in_chunks(
    queryset: QuerySet, *, field: str, values: Sequence[Any], chunk: int = UPDATE_CHUNK, **changes: Any
) -> int:
    """`queryset.filter(<field>__in=values).update(**changes)`, `chunk` values per statement; returns
    the rows updated."""
    updated = 0
    for start in range(0, len(values), chunk):
        updated += queryset.filter(**{f"{field}__in": values[start : start + chunk]}).update(**changes)
    return updated


def mark_removed(queryset: QuerySet, *, field: str, values: Sequence[Any], now: datetime) -> int:
    """Mark the rows gone from a supplier feed removed (never deleted: orders and history refer to them)."""
    return update_in_chunks(queryset, field=field, values=values, removed_at=now, updated_at=now)


# --- dead runs ------------------------------------------------------------------------------------


def fail_stale_runs(*, source: str) -> list[SyncRun]:
    """Fail the runs of `source` still "running" without a heartbeat for RUN_DEAD_AFTER_SECONDS: a killed
    worker never finishes its run, and a run left running would hold back every new sync for ever."""
    return fail_dead_runs(SyncRun.objects.filter(source=source))


def pending_run(*, source: str) -> SyncRun | None:
    """The queued or live running run of `source`, if any; dead running runs are failed on the way."""
    fail_stale_runs(source=source)
    return (
        SyncRun.objects.filter(source=source, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        .order_by("id")
        .first()
    )
