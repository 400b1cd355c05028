"""django-q2 tasks of the partner push and pull. A few lines each; the work is in catalog.publishing."""

from django_q.tasks import async_task

from catalog.publishing import runs


def run_push(run_id: int) -> str:
    """Carry out a recorded push. Idempotent: a finished run (or one a live worker holds) is left alone."""
    return runs.execute_run(run_id=run_id, queued=True).summary()


def run_pull(run_id: int) -> str:
    """Carry out a recorded pull; idempotent like run_push."""
    return runs.execute_pull(run_id=run_id, queued=True).summary()


def enqueue_push_run(run_id: int) -> None:
    """Call from transaction.on_commit, so the worker finds the run row committed."""
    async_task(run_push, run_id, task_name=f"push-run-{run_id}", group="partner-push")


def enqueue_pull_run(run_id: int) -> None:
    """Call from transaction.on_commit, so the worker finds the run row committed."""
    async_task(run_pull, run_id, task_name=f"pull-run-{run_id}", group="partner-push")
