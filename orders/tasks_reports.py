"""django-q2 entry points of the Telegram purchase reports; the work is in orders.services.reports."""

from django_q.tasks import async_task

from orders.services import reports


def send_reports() -> str:
    """Idempotent: rows are claimed with a lease, so a second (or concurrent) delivery sends nothing twice."""
    return reports.send_pending_reports().summary()


def enqueue_send_reports() -> None:
    """Call from transaction.on_commit, so the worker finds the report rows committed."""
    async_task(send_reports, task_name="send-telegram-reports", group="telegram-reports")
