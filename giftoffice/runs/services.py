"""The lifecycle of a run, written once: claim, heartbeat, progress, finish, fail, dead detection.

A kind of run declares its work once::

    PUSH = RunKind(model=PushRun, work=push_work, rivals=site_rivals, stopped_message=push_stopped)

and is carried out with `execute(PUSH, run_id=..., claimed_by=task_claim(task_id))`, or, for work that
owns its own flow (a sync service called by a command, a task or the admin), inside
`with running(run, claimed_by=this_process()):`. Either way:

- the claim is a compare-and-set: a queued run, or a running one whose heartbeat stopped (its process
  died: the work is resumed), becomes RUNNING for exactly one worker; a second delivery of the same task
  finds it taken and leaves it alone;
- while the work runs, a thread beats `heartbeat_at` every RUN_HEARTBEAT_SECONDS (whatever the work is
  blocked on), so a killed process is seen dead RUN_DEAD_AFTER_SECONDS later, not after a task timeout;
- the work raises `RunFailed("one line")` to end the run as failed cleanly (recorded, not re-raised);
  any other exception fails the run with one line and propagates (a bug stays loud; a task timeout,
  which django-q2 raises as SystemExit, too);
- every write after the claim is conditional on `claimed_by`: a worker that was presumed dead and
  replaced cannot overwrite its successor's record;
- work longer than a task may carry on in the next task: `hand_off(run)` leaves the run RUNNING, claimed
  by a one-time token, and the work raises `RunHandedOff(token)`, which `execute`'s `on_hand_off` turns
  into the next task; the task given the token claims it with
  `execute(..., token=token)`. A second delivery of that task finds the token spent and does nothing;
  a token no task ever claims goes silent like a dead worker and the run is claimed again as dead.

Concrete models live in the apps; this module imports none of them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from giftoffice.runs.models import ACTIVE_STATUSES, Run, RunStatus

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=Run)


class RunFailed(Exception):
    """The work ends its run as failed with this one readable line; an expected failure, not a bug."""


class RunLost(RunFailed):
    """The run is no longer ours (presumed dead and taken over, or failed by staff): stop working."""


class RunHandedOff(Exception):
    """Raised by the work after `hand_off`, with its token: this task's share is done, the run goes on in
    the next task (which `execute`'s `on_hand_off` queues)."""

    def __init__(self, token: str = "") -> None:
        self.token = token
        super().__init__(token)


def one_line(exc: BaseException, *, limit: int = 500) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:limit]


def this_process() -> str:
    """`claimed_by` of a run carried out in this process (a command, an admin request)."""
    return f"process {os.getpid()}@{socket.gethostname()}"


def task_claim() -> str:
    """`claimed_by` of a run carried out by a django-q2 task (its worker process)."""
    return f"task {os.getpid()}@{socket.gethostname()}"


@dataclass(frozen=True)
class RunKind(Generic[R]):
    """What a kind of run does. `work(run)` does the job, reporting through `save_progress`/`add_error`
    and raising RunFailed to fail cleanly. `rivals(run)`, called under a transaction at claim time,
    returns the querysets of runs that may not run beside this one (it may lock rows to serialise the
    check). `stopped_message(exc)` is the run's message when the work raised something unexpected."""

    model: type[R]
    work: Callable[[R], None]
    rivals: Callable[[R], Iterable[QuerySet]] | None = None
    stopped_message: Callable[[BaseException], str] = one_line


# --- alive or dead ------------------------------------------------------------------------------------
def dead_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.RUN_DEAD_AFTER_SECONDS)


def dead_q(now: datetime | None = None) -> Q:
    """Running runs whose last sign of life (heartbeat, else start, else creation) is past the cutoff."""
    cutoff = dead_cutoff(now)
    return Q(status=RunStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=cutoff)
    )


def queued_expired_q(now: datetime | None = None) -> Q:
    """Queued runs no worker took within RUN_QUEUED_EXPIRE_SECONDS (the queue lost the task)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.RUN_QUEUED_EXPIRE_SECONDS)
    return Q(status=RunStatus.QUEUED, created_at__lt=cutoff)


def live(queryset: QuerySet[R], *, now: datetime | None = None) -> QuerySet[R]:
    """The queued and running runs of `queryset` that still hold their place: not dead, not expired."""
    now = now or timezone.now()
    return queryset.filter(status__in=ACTIVE_STATUSES).exclude(dead_q(now)).exclude(queued_expired_q(now))


def dead_message(since: datetime | None) -> str:
    when = since.isoformat(timespec="seconds") if since else "its start"
    return f"dead: no heartbeat since {when} (its process was killed or crashed)"


def fail_dead_runs(queryset: QuerySet[R]) -> list[R]:
    """Fail the dead running runs of `queryset` (each with `dead: no heartbeat since …`); returns them.

    Conditional on the heartbeat still being old: a run that beat again meanwhile is left alone.
    """
    failed = []
    now = timezone.now()
    for run in queryset.filter(dead_q(now)).order_by("id"):
        message = dead_message(run.last_sign_of_life)
        # The compare-and-set: still dead at write time (a run that beat again meanwhile stays running).
        updated = (
            type(run)
            .objects.filter(dead_q(now), pk=run.pk)
            .update(status=RunStatus.FAILED, message=message, finished_at=now)
        )
        run.status, run.message, run.finished_at = RunStatus.FAILED, message, now
        if updated:
            failed.append(run)
    return failed


# --- claim, beat, progress, finish --------------------------------------------------------------------
def claim(kind: RunKind[R], *, run_id: int, claimed_by: str, token: str = "") -> R | None:
    """Take the run for this worker (compare-and-set); None when it is finished or another worker has it.

    A queued run, a running one whose heartbeat stopped, or a running one handed off to `token`
    (`hand_off`) becomes RUNNING for this worker. When a rival is running alive (another run on the
    same subject), this run is failed instead of waiting.
    """
    model = kind.model
    with transaction.atomic():
        run = model.objects.filter(pk=run_id).first()
        if run is None or run.is_finished:
            return None
        handed_to_us = bool(token) and run.status == RunStatus.RUNNING and run.claimed_by == token
        if run.status == RunStatus.RUNNING and not run.is_dead and not handed_to_us:
            return None
        if kind.rivals is not None:
            for rivals in kind.rivals(run):
                other = live(rivals.exclude(pk=run.pk) if rivals.model is model else rivals).filter(
                    status=RunStatus.RUNNING
                )
                if (other := other.order_by("id").first()) is not None:
                    run.set_status(RunStatus.FAILED)
                    run.message = f"{type(other).__name__} #{other.pk} on the same subject was running"
                    model.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
                        status=run.status, message=run.message, finished_at=run.finished_at
                    )
                    return None
        previous = run.status
        run.set_status(RunStatus.RUNNING)
        run.claimed_by = claimed_by
        # The compare-and-set: only if nobody claimed it since we read it.
        if previous == RunStatus.QUEUED:
            still = Q(status=RunStatus.QUEUED)
        elif handed_to_us:
            still = Q(status=RunStatus.RUNNING, claimed_by=token)
        else:
            still = dead_q()
        taken = model.objects.filter(still, pk=run.pk).update(
            status=run.status, started_at=run.started_at, heartbeat_at=run.heartbeat_at, claimed_by=claimed_by
        )
        return run if taken else None


def _mine(run: Run) -> QuerySet:
    return type(run).objects.filter(pk=run.pk, status=RunStatus.RUNNING, claimed_by=run.claimed_by)


def save_progress(run: Run, *fields: str) -> None:
    """Write `total`, `done`, `errors` and the kind's `fields` (its counts) with a heartbeat.

    Raises RunLost when the run is no longer ours: the work stops rather than race its successor.
    """
    now = timezone.now()
    run.heartbeat_at = now
    values = {name: getattr(run, name) for name in ("total", "done", "errors", *fields)}
    if not _mine(run).update(heartbeat_at=now, **values):
        raise RunLost(f"{type(run).__name__} #{run.pk} is no longer ours (presumed dead, then taken over)")


def hand_off(run: Run, *fields: str) -> str:
    """Pass our running run on to a task not yet started: progress saved (as `save_progress`), the run
    left RUNNING and claimed by a new one-time token, which is returned for the next task to claim with.

    The hand-off counts as a heartbeat; the next task normally claims the run long before it would be
    judged dead. Raises RunLost when the run is no longer ours.
    """
    token = f"hand-off {uuid.uuid4().hex}"
    now = timezone.now()
    values = {name: getattr(run, name) for name in ("total", "done", "errors", *fields)}
    if not _mine(run).update(heartbeat_at=now, claimed_by=token, **values):
        raise RunLost(f"{type(run).__name__} #{run.pk} is no longer ours (presumed dead, then taken over)")
    run.heartbeat_at, run.claimed_by = now, token
    return token


def finish(run: Run, status: str | None = None, *, message: str | None = None) -> bool:
    """End our running run with `status` (default: `run.outcome()`), saving every field of the record.

    False (and a warning) when the run was taken from us meanwhile: its successor's record stands.
    """
    status = status or run.outcome()
    run.set_status(status)
    if message is not None:
        run.message = message
    values = {
        field.attname: getattr(run, field.attname)
        for field in run._meta.concrete_fields
        if not field.primary_key and field.attname not in ("created_at", "claimed_by")
    }
    if _mine(run).update(**values):
        return True
    logger.warning("%s #%s: finished as %s, but it was no longer ours", type(run).__name__, run.pk, status)
    run.refresh_from_db()
    return False


def fail_unfinished(run: Run, *, message: str) -> None:
    """Fail a run that has not finished: ours if we claimed it, or one still queued (never started)."""
    mine = Q(status=RunStatus.RUNNING, claimed_by=run.claimed_by) if run.claimed_by else Q()
    candidates = type(run).objects.filter(Q(status=RunStatus.QUEUED) | mine, pk=run.pk)
    now = timezone.now()
    if candidates.update(status=RunStatus.FAILED, message=message, finished_at=now, heartbeat_at=now):
        run.status, run.message, run.finished_at, run.heartbeat_at = RunStatus.FAILED, message, now, now


# --- carrying out the work ----------------------------------------------------------------------------
_local = threading.local()


@contextmanager
def heartbeating(run: Run) -> Iterator[None]:
    """Beat the run's heartbeat from a thread while the block runs (RUN_HEARTBEAT_SECONDS apart).

    The thread has its own database connection and touches nothing but the heartbeat column of a row
    still claimed by us. Off when RUN_HEARTBEAT_THREAD is false (the test settings: tests set
    `heartbeat_at` in the past instead of waiting).
    """
    interval = settings.RUN_HEARTBEAT_SECONDS
    key = (type(run).__name__, run.pk)
    beating: set = _local.__dict__.setdefault("beating", set())
    if not settings.RUN_HEARTBEAT_THREAD or interval <= 0 or key in beating:  # nested: one thread is enough
        yield
        return
    beating.add(key)
    stop = threading.Event()
    mine = _mine(run)  # built now: the thread reads nothing from the live `run` object

    def loop() -> None:
        try:
            while not stop.wait(interval):
                try:
                    if not mine.update(heartbeat_at=timezone.now()):
                        return  # finished, or no longer ours
                except Exception:  # a locked database: try again at the next beat
                    logger.warning("%s #%s: heartbeat not written", type(run).__name__, run.pk, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name=f"heartbeat-{type(run).__name__}-{run.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        beating.discard(key)
        stop.set()
        thread.join(timeout=interval + 5)


@contextmanager
def running(
    run: R, *, claimed_by: str, stopped_message: Callable[[BaseException], str] = one_line
) -> Iterator[R]:
    """Run the block as `run`'s work: claim it if queued, beat while the block runs, then finish it
    with `run.outcome()`, or fail it with one line and re-raise (RunFailed: fail and swallow).

    For a run created by its own caller (a command) or already claimed by `claim`.
    """
    if run.status == RunStatus.QUEUED:
        run.set_status(RunStatus.RUNNING)
        run.claimed_by = claimed_by
        taken = (
            type(run)
            .objects.filter(pk=run.pk, status=RunStatus.QUEUED)
            .update(
                status=run.status,
                started_at=run.started_at,
                heartbeat_at=run.heartbeat_at,
                claimed_by=claimed_by,
            )
        )
        if not taken:
            run.refresh_from_db()
            raise RunFailed(
                f"{type(run).__name__} #{run.pk} was claimed by {run.claimed_by or 'another worker'}"
            )
    try:
        with heartbeating(run):
            yield run
    except RunHandedOff:
        return  # still running: the next task holds it now
    except RunFailed as exc:
        finish(run, RunStatus.FAILED, message=str(exc))
        return
    except BaseException as exc:  # SystemExit too: django-q2's task timeout is one
        fail_unfinished(run, message=stopped_message(exc))
        raise
    if not run.is_finished:
        finish(run)


def execute(
    kind: RunKind[R],
    *,
    run_id: int,
    claimed_by: str,
    token: str = "",
    on_hand_off: Callable[..., None] | None = None,
) -> R:
    """Claim the run and carry out its kind's work; a run finished or held by someone else is returned
    as it is. Safe to call twice (a redelivered task). `token`: the run was handed off to this task.

    `on_hand_off(run=…, token=…)` queues the next task when the work hands the run off: the task
    passes it, so the work never imports the task that runs it (docs/architecture.md).
    """
    run = claim(kind, run_id=run_id, claimed_by=claimed_by, token=token)
    if run is None:
        return kind.model.objects.get(pk=run_id)
    with running(run, claimed_by=claimed_by, stopped_message=kind.stopped_message):
        try:
            kind.work(run)
        except RunHandedOff as handed:
            if on_hand_off is not None:
                on_hand_off(run=run, token=handed.token)
            raise
    return run
