"""SyncRun: one run of a supplier catalog sync, as staff and on-call see it in the admin.

Its lifecycle (status, claim, heartbeat, dead state, errors) is the shared `giftoffice.runs.Run`.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from giftoffice.runs.models import Run

__all__ = ["SyncRun", "SyncSource"]


class SyncSource(models.TextChoices):
    TRIBUTE_PRODUCTS = "tribute_products", _("Tribute products")
    GAMESDROP_OFFERS = "gamesdrop_offers", _("GamesDrop offers")


class SyncRun(Run):
    source = models.CharField(_("source"), max_length=30, choices=SyncSource.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    fetched = models.PositiveIntegerField(_("fetched"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)

    class Meta(Run.Meta):
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        indexes = [models.Index(fields=["source", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} {self.get_status_display()}"

    def outcome(self) -> str:
        # A sync writes all or nothing: a run whose work returned succeeded.
        return "succeeded"

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
