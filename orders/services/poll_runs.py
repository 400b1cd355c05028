"""Order polling on the shared run lifecycle: one pass over the due supplier orders is a `PollRun`,
with its progress and final statuses, whether the schedule, `poll_orders` or the bench started it.

One pass at a time: a pass started while another is alive fails at once (its orders are being looked
at), so a slow pass never has a second one overlapping it from the next schedule tick.
"""

from __future__ import annotations

import time

from django.conf import settings

from giftoffice.integrations import gamesdrop as gamesdrop_api
from giftoffice.runs.models import RunTrigger
from giftoffice.runs.services import (
    RunKind,
    claim,
    one_line,
    running,
    save_progress,
    task_claim,
    this_process,
)
from orders.models import PollRun, SupplierOrder
from orders.services.polling import PollSummary, due_orders, poll_orders

__all__ = ["POLL", "poll_pass", "run_poll"]

PROGRESS_EVERY_SECONDS = 0.5


def run_poll(run: PollRun, *, client: gamesdrop_api.GamesDropClient | None = None) -> PollSummary:
    """The work of a poll run: every due order once, progress saved every half second."""
    orders = list(due_orders()[: settings.ORDERS_POLL_BATCH])
    run.total = len(orders)
    save_progress(run)
    last_saved = time.monotonic()

    def counted(order: SupplierOrder) -> None:
        nonlocal last_saved
        run.done += 1
        if time.monotonic() - last_saved >= PROGRESS_EVERY_SECONDS:
            save_progress(run)
            last_saved = time.monotonic()

    def failed(order: SupplierOrder, exc: Exception) -> None:
        run.add_error(order=order.transaction_id, error=f"{type(exc).__name__}: {one_line(exc)}")

    summary = poll_orders(orders=orders, client=client, on_order=counted, on_error=failed)
    run.statuses = dict(summary.statuses)
    return summary


def _rivals(run: PollRun):
    return [PollRun.objects.all()]


POLL: RunKind[PollRun] = RunKind(model=PollRun, work=run_poll, rivals=_rivals)


def poll_pass(
    *, trigger: str = RunTrigger.COMMAND, client: gamesdrop_api.GamesDropClient | None = None
) -> tuple[PollRun, PollSummary | None]:
    """Record a poll run and carry it out in this process; (run, summary), summary None if it did not run
    (another pass was alive)."""
    run = PollRun.objects.create(trigger=trigger)
    claimed_by = task_claim() if trigger == RunTrigger.SCHEDULE else this_process()
    claimed = claim(POLL, run_id=run.pk, claimed_by=claimed_by)
    if claimed is None:
        run.refresh_from_db()
        return run, None
    summary = None
    with running(claimed, claimed_by=claimed_by):
        summary = run_poll(claimed, client=client)
    return claimed, summary
