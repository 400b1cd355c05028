"""Running what the report code queued in django-q2 (the ORM broker), in the test's process."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django_q.models import OrmQ


def queued_funcs() -> list[str]:
    return [queued.func() for queued in OrmQ.objects.order_by("pk")]


def run_next_task() -> object:
    """Take the oldest queued task and run it as a worker would."""
    queued = OrmQ.objects.order_by("pk").first()
    assert queued is not None, "nothing is queued"
    task = queued.task
    queued.delete()
    func = task["func"]
    func = import_string(func) if isinstance(func, str) else func
    return func(*task.get("args", ()), **task.get("kwargs", {}))


def run_queued_tasks(*, limit: int = 50) -> list[object]:
    """Run the queued tasks, oldest first (and those they queue), until the queue is empty."""
    results = []
    for _ in range(limit):
        if not OrmQ.objects.exists():
            return results
        results.append(run_next_task())
    raise AssertionError(f"the queue still held tasks after {limit} runs")
