"""django-q2 entry points: a few lines each, the work is in services. Each is safe to run twice."""

from giftoffice.runs.models import RunTrigger
from giftoffice.runs.services import execute, task_claim
from orders.services import actions, campaigns, poll_runs


def submit_order(order_id: int) -> str:
    return actions.submit_order_by_id(order_id=order_id)


def poll_open_orders() -> str:
    # The same sweep picks up campaigns whose worker died: their dead runs are queued again.
    campaigns.resume_stranded_runs()
    run, summary = poll_runs.poll_pass(trigger=RunTrigger.SCHEDULE)
    return summary.summary() if summary else f"poll run #{run.pk}: {run.message}"


def run_campaign(run_id: int, token: str = "") -> str:
    run = execute(campaigns.CAMPAIGN, run_id=run_id, claimed_by=task_claim(), token=token)
    return (
        f"campaign run #{run.pk}: {run.status} (sent {run.sent}, unknown {run.unknown}, failed {run.failed})"
    )
