"""The admin's pushes and pulls: small pushes run in the request, the rest in a django-q2 task."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from catalog import tasks_push
from catalog.models import PartnerSite, PullRun, PushRun
from catalog.publishing.plan import select_gifts
from catalog.publishing.runs import execute_run, runs_in_background, start_run
from giftoffice.runs.models import RunTrigger


def request_push(*, site: PartnerSite, gift_ids: Sequence[int], user: Any = None) -> tuple[PushRun, bool]:
    """The admin's push: small ones run now, bigger ones in django-q2. Returns (run, queued)."""
    select_gifts(gift_ids=gift_ids)
    run = start_run(site=site, gift_ids=gift_ids, user=user, trigger=RunTrigger.ADMIN)
    if runs_in_background(gift_count=len(set(gift_ids))):
        transaction.on_commit(lambda: tasks_push.enqueue_push_run(run.pk))
        return run, True
    return execute_run(run_id=run.pk), False


def request_pull(*, site: PartnerSite, user: Any = None) -> PullRun:
    """The admin's pull: always in django-q2 (a partner's whole catalog), recorded as a run to watch."""
    run = start_run(site=site, model=PullRun, user=user, trigger=RunTrigger.ADMIN)
    transaction.on_commit(lambda: tasks_push.enqueue_pull_run(run.pk))
    return run
