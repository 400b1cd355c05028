"""Catalog syncs (Tribute products, GamesDrop offers) as runs of the shared lifecycle (giftoffice.runs).

Each sync service takes an optional queued `run` and wraps its work in `tracked_run`, so a run
queued from the admin, one from a schedule and one from a command all end up recorded the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django_q.tasks import async_task

from catalog.models import SyncRun, SyncSource
from giftoffice.integrations.base import IntegrationError
from giftoffice.runs.models import RunStatus, RunTrigger
from giftoffice.runs.services import (
    RunKind,
    claim,
    fail_dead_runs,
    running,
    task_claim,
    this_process,
)

logger = logging.getLogger(__name__)

# source -> dotted path of the service `fn(*, run: SyncRun, **params) -> SyncRun`
SYNC_SERVICES: dict[str, str] = {
    SyncSource.TRIBUTE_PRODUCTS: "catalog.services.products.sync_products",
    SyncSource.GAMESDROP_OFFERS: "catalog.services.offers.sync_offers",
}


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
    # A run claimed by run_queued_sync is already running: `running` leaves its claim as it is.
    with running(run, claimed_by=this_process()):
        yield run


def enqueue_sync(
    *,
    source: str,
    user: Any = None,
    params: dict[str, Any] | None = None,
    trigger: str | None = None,
    task: str | Callable[[int], Any] = "catalog.tasks.run_queued_sync",
) -> SyncRun:
    """Queue a sync in django-q2 once the current transaction commits; returns the queued run.

    `task` is the task (or its dotted path) taking the run id; it must end in `run_queued_sync(run_id=...)`.
    """
    if source not in SYNC_SERVICES:
        raise ValueError(f"unknown sync source {source!r}")
    run = SyncRun.objects.create(
        source=source,
        trigger=trigger or (RunTrigger.ADMIN if user is not None else RunTrigger.QUEUE),
        triggered_by=user if getattr(user, "pk", None) else None,
        params=params or {},
    )
    transaction.on_commit(lambda: async_task(task, run.pk, task_name=f"sync-{run.pk}"))
    return run


def _sync_work(run: SyncRun) -> None:
    """The source's service on the run, with the parameters it was queued with."""
    import_string(SYNC_SERVICES[run.source])(run=run, **run.params)


SYNC = RunKind(model=SyncRun, work=_sync_work)


def run_queued_sync(*, run_id: int) -> str:
    """Execute a queued run. Idempotent: a run another worker holds (a retried task) is left alone."""
    run = claim(SYNC, run_id=run_id, claimed_by=task_claim())
    if run is None:
        current = SyncRun.objects.filter(pk=run_id).first()
        return f"run {run_id} skipped ({current.status if current else 'missing'})"
    return _carry_out(run)


def run_scheduled_sync(*, source: str) -> str:
    run = SyncRun.objects.create(source=source, trigger=RunTrigger.SCHEDULE)
    run = claim(SYNC, run_id=run.pk, claimed_by=task_claim())
    return _carry_out(run) if run is not None else "skipped"


def _carry_out(run: SyncRun) -> str:
    """Run the source's service on a claimed run. A supplier failure is recorded on the run as one line
    and the task ends normally (it is not a bug: no traceback, no "Failed task"); anything else, a
    failure before the service's own tracking included (bad params, a task timeout), fails the run and
    propagates."""
    try:
        with running(run, claimed_by=run.claimed_by):
            SYNC.work(run)
    except IntegrationError:
        logger.warning("sync run #%s failed: %s", run.pk, run.message)
        return f"sync run #{run.pk} failed: {run.message}"
    return run.summary()


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
