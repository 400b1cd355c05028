"""The abstract `Run`: status, trigger, claim, heartbeat, progress counts and a capped error list.

A kind of run is a concrete model on it (`catalog.SyncRun`, `catalog.PushRun`, `catalog.PullRun`; the
purchases' runs in `orders/`) that adds what it is about (a site, a source, its own counts). The rules
for moving it (claim, heartbeat, finish, fail, dead) are `giftoffice.runs.services`, written once.

Statuses: queued -> running -> succeeded | partly failed | failed; queued -> failed (never started);
running -> running is the resume of a run whose process died (claimed again by a new worker).

Alive or dead: a running run's worker writes `heartbeat_at` every RUN_HEARTBEAT_SECONDS from a thread
beside the work, so a run whose last sign of life is older than RUN_DEAD_AFTER_SECONDS has lost its
process (killed, crashed, machine gone), whatever its work was doing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from giftoffice.transitions import check_transition

__all__ = [
    "ACTIVE_STATUSES",
    "FINISHED_STATUSES",
    "MAX_STORED_ERRORS",
    "RUN_TRANSITIONS",
    "Run",
    "RunStatus",
    "RunTrigger",
]

# Errors kept on a run record; the count of failed items goes on regardless.
MAX_STORED_ERRORS = 1000


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    PARTLY_FAILED = "partly_failed", _("partly failed")
    FAILED = "failed", _("failed")


class RunTrigger(models.TextChoices):
    """Who or what asked for the run."""

    ADMIN = "admin", _("admin")
    COMMAND = "command", _("command")
    SCHEDULE = "schedule", _("schedule")
    QUEUE = "queue", _("queue")
    DEMO = "demo", _("demo")


# The one table of allowed status moves. RUNNING -> RUNNING is the resume of a run whose worker died.
RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, RunStatus.FAILED}),
    RunStatus.RUNNING: frozenset(
        {RunStatus.RUNNING, RunStatus.SUCCEEDED, RunStatus.PARTLY_FAILED, RunStatus.FAILED}
    ),
    RunStatus.SUCCEEDED: frozenset(),
    RunStatus.PARTLY_FAILED: frozenset(),
    RunStatus.FAILED: frozenset(),
}
FINISHED_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.PARTLY_FAILED, RunStatus.FAILED})
ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


def dead_after() -> timedelta:
    return timedelta(seconds=settings.RUN_DEAD_AFTER_SECONDS)


class Run(models.Model):
    """One background run, as staff and on-call see it. Concrete kinds add their subject and counts."""

    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    trigger = models.CharField(
        _("trigger"), max_length=20, choices=RunTrigger.choices, default=RunTrigger.COMMAND
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    claimed_by = models.CharField(
        _("claimed by"),
        max_length=200,
        blank=True,
        help_text=_("The queued task or the process (pid@host) working on the run."),
    )
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True, help_text=_("Why the whole run failed, if it did."))

    # Names the machine in InvalidTransition messages; the concrete class name by default.
    machine: ClassVar[str] = ""

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    # -- status --
    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def check_transition(self, target: str) -> None:
        """Raises giftoffice.transitions.InvalidTransition for a move RUN_TRANSITIONS does not allow."""
        check_transition(
            machine=self.machine or type(self).__name__,
            table=RUN_TRANSITIONS,
            current=self.status,
            target=target,
        )

    def set_status(self, target: str, *, now: datetime | None = None) -> None:
        """Move in memory (checked against the table) and stamp started/finished; the caller saves."""
        self.check_transition(target)
        now = now or timezone.now()
        self.status = target
        if target == RunStatus.RUNNING:
            self.started_at = self.started_at or now
            self.heartbeat_at = now
        elif target in FINISHED_STATUSES:
            self.finished_at = now
            self.heartbeat_at = now

    def outcome(self) -> str:
        """The status a run whose work returned normally ends with; kinds may say more."""
        return RunStatus.PARTLY_FAILED if self.errors else RunStatus.SUCCEEDED

    # -- alive or dead --
    @property
    def last_sign_of_life(self) -> datetime | None:
        return self.heartbeat_at or self.started_at or self.created_at

    def dead_since(self, *, now: datetime | None = None) -> datetime | None:
        """When a running run last showed life, if that is longer ago than RUN_DEAD_AFTER_SECONDS; else None.

        Only running runs die: a queued one waits for a worker, a finished one is over.
        """
        if self.status != RunStatus.RUNNING or self.last_sign_of_life is None:
            return None
        now = now or timezone.now()
        return self.last_sign_of_life if self.last_sign_of_life < now - dead_after() else None

    @property
    def is_dead(self) -> bool:
        return self.dead_since() is not None

    # -- progress --
    def add_error(self, **entry: Any) -> None:
        """Keep one error for the record, up to MAX_STORED_ERRORS (the caller counts failures itself)."""
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(entry)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
