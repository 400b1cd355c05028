"""Push and pull runs: recording them, one active run per site, carrying them out.

The lifecycle (claim, heartbeat, finish, dead) is `giftoffice.runs`; this module declares the two kinds
(their work, their rivals: any live non-dry push or pull on the same site) and the entry points that
run in this process (commands, small admin pushes). The admin's queued variants are `requests`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop
from django_q.exceptions import TimeoutException

from catalog.models import PartnerSite, PullRun, PushRun
from catalog.models.partner_sites import SiteRun
from catalog.publishing.errors import PushError
from catalog.publishing.plan import select_gifts
from catalog.publishing.pull import Puller
from catalog.publishing.push import Pusher
from catalog.services.progress import ProgressCallback
from giftoffice.runs.models import RunStatus, RunTrigger
from giftoffice.runs.services import RunKind, execute, live, task_claim, this_process

logger = logging.getLogger(__name__)


def site_runs(site_id: int) -> list[QuerySet]:
    """Every non-dry run on the site, push or pull: at most one of them may be live at a time."""
    return [model.objects.filter(site_id=site_id, dry_run=False) for model in (PushRun, PullRun)]


def _lock_site(site_id: int) -> None:
    """Serialise the "is the site free?" checks of concurrent starts and claims (a row lock)."""
    PartnerSite.objects.select_for_update().filter(pk=site_id).first()


def _rivals(run: SiteRun) -> list[QuerySet]:
    if run.dry_run:
        return []
    _lock_site(run.site_id)
    return site_runs(run.site_id)


def stopped_message(exc: BaseException) -> str:
    """Why a run stopped mid-way, for its record."""
    logger.error("partner site run stopped", exc_info=exc)
    if isinstance(exc, TimeoutException):
        return (
            f"stopped: the task ran past its time limit ({settings.Q_CLUSTER['timeout']} s); "
            "push again to carry on"
        )
    if not isinstance(exc, Exception):
        return f"stopped: {type(exc).__name__}"
    return f"internal error: {type(exc).__name__}: {exc}"


def push_kind(on_progress: ProgressCallback | None = None) -> RunKind[PushRun]:
    return RunKind(
        model=PushRun,
        work=lambda run: Pusher(run, on_progress).execute(),
        rivals=_rivals,
        stopped_message=stopped_message,
    )


def pull_kind(on_progress: ProgressCallback | None = None) -> RunKind[PullRun]:
    return RunKind(
        model=PullRun,
        work=lambda run: Puller(run, on_progress).execute(),
        rivals=_rivals,
        stopped_message=stopped_message,
    )


def active_run(*, site: PartnerSite) -> SiteRun | None:
    """A live (queued, or running with a heartbeat) non-dry push or pull on this site."""
    runs = [run for queryset in site_runs(site.pk) if (run := live(queryset).order_by("id").first())]
    return min(runs, key=lambda run: run.created_at) if runs else None


def start_run(
    *,
    site: PartnerSite,
    model: type[SiteRun] = PushRun,
    gift_ids: Sequence[int] | None = None,
    user: Any = None,
    dry_run: bool = False,
    trigger: str = RunTrigger.COMMAND,
) -> SiteRun:
    """Record a queued run; refuses a disabled site or a second live run on the same site."""
    if not site.enabled:
        raise PushError(gettext_noop("partner site %(site)r is disabled"), site=site.name)
    with transaction.atomic():
        _lock_site(site.pk)
        if not dry_run and (other := active_run(site=site)):
            raise PushError(
                gettext_noop("%(kind)s run #%(id)d on %(site)r is still %(status)s; wait for it to finish"),
                kind=other.kind_label,
                id=other.pk,
                site=site.name,
                status=RunStatus(other.status).label,
            )
        values: dict[str, Any] = {}
        if model is PushRun:
            values["gift_ids"] = sorted(set(gift_ids)) if gift_ids is not None else None
        return model.objects.create(
            site=site,
            triggered_by=user if getattr(user, "pk", None) else None,
            dry_run=dry_run,
            trigger=trigger,
            **values,
        )


def execute_run(*, run_id: int, on_progress: ProgressCallback | None = None, queued: bool = False) -> PushRun:
    """Carry out a recorded push. Safe to call twice: a finished run, or one a live worker holds, is
    left alone; a run whose worker died (no heartbeat) is resumed."""
    claimed_by = task_claim() if queued else this_process()
    return execute(push_kind(on_progress), run_id=run_id, claimed_by=claimed_by)


def execute_pull(
    *, run_id: int, on_progress: ProgressCallback | None = None, queued: bool = False
) -> PullRun:
    """Carry out a recorded pull; the same rules as `execute_run`."""
    claimed_by = task_claim() if queued else this_process()
    return execute(pull_kind(on_progress), run_id=run_id, claimed_by=claimed_by)


def push_gifts(
    *,
    site: PartnerSite,
    gift_ids: Sequence[int] | None,
    user: Any = None,
    dry_run: bool = False,
    trigger: str = RunTrigger.COMMAND,
    on_progress: ProgressCallback | None = None,
) -> PushRun:
    """Push now, in this process (commands, small admin pushes); returns the finished run."""
    if gift_ids is not None:  # refuse unknown ids before recording anything (every gift: nothing to check)
        select_gifts(gift_ids=gift_ids)
    run = start_run(site=site, gift_ids=gift_ids, user=user, dry_run=dry_run, trigger=trigger)
    return execute_run(run_id=run.pk, on_progress=on_progress)


def pull_gifts(
    *,
    site: PartnerSite,
    user: Any = None,
    dry_run: bool = False,
    trigger: str = RunTrigger.COMMAND,
    on_progress: ProgressCallback | None = None,
) -> PullRun:
    """Import the site's gifts into our catalog (upsert by remote id); returns the finished run."""
    run = start_run(site=site, model=PullRun, user=user, dry_run=dry_run, trigger=trigger)
    return execute_pull(run_id=run.pk, on_progress=on_progress)


def runs_in_background(*, gift_count: int) -> bool:
    """Whether the admin's push of this many gifts goes to django-q2 rather than running in the request."""
    return gift_count > settings.PUSH_ASYNC_THRESHOLD
