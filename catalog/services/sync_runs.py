"""The life of a SyncRun, shared by every catalog sync (Tribute products, GamesDrop offers).

Each sync service takes an optional queued `run` and wraps its work in `tracked_run`, so a run
queued from the admin, one from a schedule and one from a command all end up recorded the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.tasks import async_task

from catalog.models import SyncRun, SyncSource, SyncStatus

# source -> dotted path of the service `fn(*, run: SyncRun, **params) -> SyncRun`
SYNC_SERVICES: dict[str, str] = {
    SyncSource.TRIBUTE_PRODUCTS: "catalog.services.products.sync_products",
    SyncSource.GAMESDROP_OFFERS: "catalog.services.offers.sync_offers",
}


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]


@contextmanager
def tracked_run(
    *,
    source: str,
    run: SyncRun | None = None,
    trigger: str = "command",
    params: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> Iterator[SyncRun]:
    """Mark the run running, then succeeded or failed (with a one-line error) when the block ends.

    The caller fills in the counts on the yielded run; they are saved with the final status.
    """
    if run is None:
        run = SyncRun.objects.create(source=source, trigger=trigger, params=params or {}, dry_run=dry_run)
    elif dry_run and not run.dry_run:
        run.dry_run = True
        run.save(update_fields=["dry_run"])
    if run.status == SyncStatus.QUEUED:  # a run claimed by run_queued_sync is already running
        run.set_status(SyncStatus.RUNNING)
        run.save(update_fields=["status", "started_at"])
    try:
        yield run
    except BaseException as exc:  # SystemExit too: django-q2's task timeout is one
        run.error = one_line(exc)
        run.set_status(SyncStatus.FAILED)
        run.save()
        raise
    run.set_status(SyncStatus.SUCCEEDED)
    run.save()


def enqueue_sync(
    *,
    source: str,
    user: Any = None,
    params: dict[str, Any] | None = None,
    trigger: str | None = None,
    task: str = "catalog.tasks.run_queued_sync",
) -> SyncRun:
    """Queue a sync in django-q2 once the current transaction commits; returns the queued run.

    `task` is the dotted task taking the run id; it must end in `run_queued_sync(run_id=...)`.
    """
    if source not in SYNC_SERVICES:
        raise ValueError(f"unknown sync source {source!r}")
    run = SyncRun.objects.create(
        source=source,
        trigger=trigger or ("admin" if user is not None else "queue"),
        triggered_by=user if getattr(user, "pk", None) else None,
        params=params or {},
    )
    transaction.on_commit(lambda: async_task(task, run.pk, task_name=f"sync-{run.pk}"))
    return run


def run_queued_sync(*, run_id: int) -> str:
    """Execute a queued run. Idempotent: a run that already started (a retried task) is left alone."""
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != SyncStatus.QUEUED:
            return f"run {run_id} skipped ({run.status if run else 'missing'})"
        # Claimed under a row lock: a second delivery of the same task finds it running and leaves.
        run.set_status(SyncStatus.RUNNING)
        run.save(update_fields=["status", "started_at"])
    with _failed_unless_finished(run):
        service = import_string(SYNC_SERVICES[run.source])
        result = service(run=run, **run.params)
    return result.summary()


def run_scheduled_sync(*, source: str) -> str:
    run = SyncRun.objects.create(source=source, trigger="schedule")
    with _failed_unless_finished(run):
        service = import_string(SYNC_SERVICES[source])
        return service(run=run).summary()


@contextmanager
def _failed_unless_finished(run: SyncRun) -> Iterator[None]:
    """A failure before the service's own `tracked_run` takes over (bad params, an import error, a
    task timeout, which is a SystemExit) still finishes the run as failed, then propagates."""
    try:
        yield
    except BaseException as exc:
        _fail(run_id=run.pk, error=one_line(exc))
        raise


def _fail(*, run_id: int, error: str) -> SyncRun | None:
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (SyncStatus.QUEUED, SyncStatus.RUNNING):
            return run
        run.error = error
        run.set_status(SyncStatus.FAILED)
        run.save(update_fields=["status", "error", "finished_at"])
    return run


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


# --- stale runs -----------------------------------------------------------------------------------


def stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.SYNC_STALE_RUN_SECONDS)


def fail_stale_runs(*, source: str) -> list[SyncRun]:
    """Mark failed the runs of `source` still "running" past SYNC_STALE_RUN_SECONDS: a killed worker
    never finishes its run, and a run left running would hold back every new sync for ever.

    Should such a run be alive after all (a command on a huge catalog) and finish, its own final
    save records the true outcome over this one.
    """
    cutoff = stale_before()
    seconds = settings.SYNC_STALE_RUN_SECONDS
    failed = []
    for run in SyncRun.objects.filter(source=source, status=SyncStatus.RUNNING).order_by("id"):
        if (run.started_at or run.created_at) < cutoff:
            error = (
                f"presumed dead: still running after {seconds}s without finishing "
                "(its worker crashed or the task timed out)"
            )
            done = _fail(run_id=run.pk, error=error)
            if done is not None and done.status == SyncStatus.FAILED and done.error == error:
                failed.append(done)
    return failed


def pending_run(*, source: str) -> SyncRun | None:
    """The queued or live running run of `source`, if any; stale running runs are failed on the way."""
    fail_stale_runs(source=source)
    return (
        SyncRun.objects.filter(source=source, status__in=[SyncStatus.QUEUED, SyncStatus.RUNNING])
        .order_by("id")
        .first()
    )
