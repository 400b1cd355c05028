"""django-q2 entry points and the functions that queue them: a few lines each, the work is in services.

Each is safe to run twice. The services never import this module (docs/architecture.md, "Queueing one
level up"): a door that records work and queues it imports it from above (`orders.services.queue`);
a campaign run's work hands its next chunk back to its task, which queues it.
"""

from django.db import transaction
from django_q.tasks import async_task

from giftoffice.runs.models import RunTrigger
from giftoffice.runs.services import execute, task_claim
from orders.models import CampaignRun, SupplierOrder
from orders.services import actions, campaigns, poll_runs


def submit_order(order_id: int) -> str:
    return actions.submit_order_by_id(order_id=order_id)


def enqueue_submit(*, order: SupplierOrder) -> None:
    """Queue the order's send after the commit that created it, so the worker finds the row."""
    pk = order.pk
    transaction.on_commit(
        lambda: async_task(submit_order, pk, task_name=f"submit-order-{pk}", group="orders")
    )


def poll_open_orders() -> str:
    # The same sweep picks up campaigns whose worker died: their dead runs are queued again.
    resume_stranded_runs()
    run, summary = poll_runs.poll_pass(trigger=RunTrigger.SCHEDULE)
    return summary.summary() if summary else f"poll run #{run.pk}: {run.message}"


def run_campaign(run_id: int, token: str = "") -> str:
    run = execute(
        campaigns.CAMPAIGN,
        run_id=run_id,
        claimed_by=task_claim(),
        token=token,
        on_hand_off=enqueue_campaign_run,
    )
    return (
        f"campaign run #{run.pk}: {run.status} (sent {run.sent}, unknown {run.unknown}, failed {run.failed})"
    )


def enqueue_campaign_run(*, run: CampaignRun, token: str = "") -> None:
    """Queue the run's task on commit; `token`: the run was handed off to that task (its next chunk)."""
    pk = run.pk
    transaction.on_commit(
        lambda: async_task(run_campaign, pk, token, task_name=f"campaign-run-{pk}", group="campaigns")
    )


def resume_stranded_runs() -> list[int]:
    """Queue again the task of every campaign run whose worker died while its campaign is still sending.
    Safe to repeat: a run already taken over is alive and left alone."""
    ids = campaigns.stranded_run_ids()
    for pk in ids:
        enqueue_campaign_run(run=CampaignRun(pk=pk))
    return ids
