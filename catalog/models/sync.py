"""SyncRun: one run of a supplier catalog sync, as staff and on-call see it in the admin."""

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from giftoffice.transitions import check_transition

__all__ = ["SyncRun", "SyncSource", "SyncStatus"]


class SyncSource(models.TextChoices):
    TRIBUTE_PRODUCTS = "tribute_products", _("Tribute products")
    GAMESDROP_OFFERS = "gamesdrop_offers", _("GamesDrop offers")


class SyncStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


SYNC_TRANSITIONS: dict[str, frozenset[str]] = {
    SyncStatus.QUEUED: frozenset({SyncStatus.RUNNING, SyncStatus.FAILED}),
    SyncStatus.RUNNING: frozenset({SyncStatus.SUCCEEDED, SyncStatus.FAILED}),
    SyncStatus.SUCCEEDED: frozenset(),
    SyncStatus.FAILED: frozenset(),
}


class SyncRun(models.Model):
    source = models.CharField(_("source"), max_length=30, choices=SyncSource.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=SyncStatus.choices, default=SyncStatus.QUEUED
    )
    trigger = models.CharField(
        _("trigger"), max_length=30, default="command", help_text=_("admin, command, schedule")
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    fetched = models.PositiveIntegerField(_("fetched"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} {self.get_status_display()}"

    def set_status(self, status: str) -> None:
        check_transition(machine="SyncRun", table=SYNC_TRANSITIONS, current=self.status, target=status)
        self.status = status
        now = timezone.now()
        if status == SyncStatus.RUNNING:
            self.started_at = now
        elif status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED):
            self.finished_at = now

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    def summary(self) -> str:
        """One line for command output and task results, in English like the logs."""
        with translation.override("en"):
            return self.localized_summary()

    def localized_summary(self) -> str:
        """The summary line in the active language, for the admin."""
        if self.dry_run:
            template = gettext(
                "dry run: would have fetched %(fetched)d, created %(created)d, updated %(updated)d, "
                "unchanged %(unchanged)d, removed %(removed)d"
            )
        else:
            template = gettext(
                "fetched %(fetched)d, created %(created)d, updated %(updated)d, "
                "unchanged %(unchanged)d, removed %(removed)d"
            )
        return template % {
            "fetched": self.fetched,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }
