"""django-q2 entry points of the Telegram purchase reports; the work is in orders.services.reports."""

from django_q.tasks import async_task

from orders.services import reports


def _run(*, scheduled: bool) -> str:
    summary = reports.run_sender(scheduled=scheduled)
    if summary is None:
        return "reports: another sender is draining the outbox"
    if summary.more:
        enqueue_send_reports()
    return summary.summary()


def send_reports() -> str:
    """The schedule's pass: also walks every waiting report. Idempotent: rows are claimed with a lease,
    so a second (or concurrent) delivery sends nothing twice."""
    return _run(scheduled=True)


def drain_reports() -> str:
    """Queued by enqueue_send_reports; at most one waits in the queue at a time."""
    return _run(scheduled=False)


def enqueue_send_reports() -> None:
    """Call from transaction.on_commit, so the worker finds the report rows committed. Queues nothing
    when a send task already waits (whichever process queued it)."""
    if not reports.claim_sender_wakeup():
        return
    try:
        async_task(drain_reports, task_name="send-telegram-reports", group="telegram-reports")
    except BaseException:
        reports.release_sender_wakeup()
        raise


def enqueue_reevaluation() -> None:
    """Call from transaction.on_commit when what waiting reports wait for changed (a rate, a name)."""
    reports.request_walk()
    enqueue_send_reports()
