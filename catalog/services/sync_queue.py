"""Queued and scheduled catalog syncs: which service syncs which source, and the django-q2 side of it.

Kept apart from `sync_runs` because it imports the sync services, which themselves import `sync_runs`
for its tracking helpers: the arrows run sync_runs <- products/offers <- sync_queue, with no circle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django_q.tasks import async_task

from catalog.models import SyncRun, SyncSource
from catalog.services.offers import sync_offers
from catalog.services.products import sync_products
from giftoffice.integrations.base import IntegrationError
from giftoffice.runs.models import RunTrigger
from giftoffice.runs.services import RunKind, claim, running, task_claim

logger = logging.getLogger(__name__)

# source -> the service `fn(*, run: SyncRun, **params) -> SyncRun` that syncs it
SYNC_SERVICES: dict[str, Callable[..., SyncRun]] = {
    SyncSource.TRIBUTE_PRODUCTS: sync_products,
    SyncSource.GAMESDROP_OFFERS: sync_offers,
}


def _sync_work(run: SyncRun) -> None:
    """The source's service on the run, with the parameters it was queued with."""
    SYNC_SERVICES[run.source](run=run, **run.params)


SYNC = RunKind(model=SyncRun, work=_sync_work)


def run_queued_sync(*, run_id: int) -> str:
    """Task: execute a queued run. Idempotent: a run another worker holds (a retried task) is left alone."""
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


def enqueue_sync(
    *,
    source: str,
    user: Any = None,
    params: dict[str, Any] | None = None,
    trigger: str | None = None,
    task: Callable[..., Any] = run_queued_sync,
) -> SyncRun:
    """Queue a sync in django-q2 once the current transaction commits; returns the queued run.

    `task` is a module-level function the worker calls as `task(run_id=...)`; it must end in
    `run_queued_sync(run_id=...)`.
    """
    if source not in SYNC_SERVICES:
        raise ValueError(f"unknown sync source {source!r}")
    run = SyncRun.objects.create(
        source=source,
        trigger=trigger or (RunTrigger.ADMIN if user is not None else RunTrigger.QUEUE),
        triggered_by=user if getattr(user, "pk", None) else None,
        params=params or {},
    )
    transaction.on_commit(lambda: async_task(task, run_id=run.pk, task_name=f"sync-{run.pk}"))
    return run
