"""django-q2 tasks of the partner push. A few lines each; the work is in catalog.services.push."""

from django_q.tasks import async_task

from catalog.services import push


def run_push(run_id: int) -> str:
    """Carry out a recorded run. Idempotent: a finished run (or one another worker holds) is left alone."""
    return push.execute_run(run_id=run_id, queued=True).summary()


def enqueue_push_run(run_id: int) -> None:
    """Call from transaction.on_commit, so the worker finds the run row committed."""
    async_task("catalog.tasks_push.run_push", run_id, task_name=f"push-run-{run_id}", group="partner-push")
