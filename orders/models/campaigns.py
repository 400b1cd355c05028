"""Promo campaigns (one Giftly gift to many Telegram users) and the purchases' runs.

A `Campaign` is what staff asked for: the gift, the checked recipient ids in order, the message and
what each customer paid. It is sent by `CampaignRun`s on the shared run lifecycle
(`giftoffice.runs`): one run sends until the list ends, the first authentication error (the campaign
stops) or the first unknown outcome (it pauses), in chunks of one short task each; "Resume" queues a
new run that goes on from where the last one ended. Each recipient's sale is created once, linked by
its position (`CampaignSale`), so a run resumed after its worker died never makes a second sale for the
same recipient.

A `PollRun` is one pass over the open supplier orders (`poll_orders`, the django-q2 schedule).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from giftoffice.runs.models import Run, RunStatus

__all__ = ["CAMPAIGN_TRANSITIONS", "Campaign", "CampaignRun", "CampaignSale", "CampaignStatus", "PollRun"]


class CampaignStatus(models.TextChoices):
    SENDING = "sending", _("sending")
    PAUSED = "paused", _("paused")
    STOPPED = "stopped", _("stopped")
    FINISHED = "finished", _("finished")


C = CampaignStatus
CAMPAIGN_TRANSITIONS: dict[str, frozenset[str]] = {
    # Paused: an unknown outcome; staff check it, then resume. Stopped: Giftly refused our token.
    C.SENDING: frozenset({C.PAUSED, C.STOPPED, C.FINISHED}),
    C.PAUSED: frozenset({C.SENDING}),
    C.STOPPED: frozenset(),
    C.FINISHED: frozenset(),
}
del C


class Campaign(models.Model):
    telegram_gift = models.ForeignKey(
        "catalog.TelegramGift", verbose_name=_("Telegram gift"), on_delete=models.PROTECT, related_name="+"
    )
    # Checked before the campaign exists (numeric, positive, no repeats), in the order given.
    recipients = models.JSONField(_("recipients"), default=list)
    rejected = models.JSONField(
        _("rejected recipient ids"), default=list, blank=True, help_text=_("Refused before sending.")
    )
    text = models.TextField(_("message text"), null=True, blank=True)
    buyer_id = models.BigIntegerField(_("buyer Telegram id"), null=True, blank=True)
    amount_paid = models.DecimalField(
        _("amount paid per recipient"), max_digits=30, decimal_places=9, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=8, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.SENDING
    )
    message = models.TextField(_("message"), blank=True, help_text=_("Why it paused or stopped."))
    # The unknown send it last paused at, for staff to check; a resumed run goes past every unknown send.
    paused_order = models.ForeignKey(
        "orders.SupplierOrder",
        verbose_name=_("paused at order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        permissions = [("resume_campaign", _("Can resume a paused campaign"))]

    def __str__(self) -> str:
        return f"#{self.pk} {self.telegram_gift}"


class CampaignSale(models.Model):
    """The sale made for the recipient at `position` of the campaign's list: at most one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sales")
    position = models.PositiveIntegerField()
    sale = models.OneToOneField("orders.Sale", on_delete=models.PROTECT, related_name="campaign_link")

    class Meta:
        verbose_name = _("campaign sale")
        verbose_name_plural = _("campaign sales")
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="campaign_sale_once_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.position}"


class CampaignRun(Run):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="runs"
    )
    sent = models.PositiveIntegerField(_("sent"), default=0)
    unknown = models.PositiveIntegerField(_("outcome unknown"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)

    class Meta(Run.Meta):
        verbose_name = _("campaign send")
        verbose_name_plural = _("campaign sends")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    def outcome(self) -> str:
        # Paused at an unknown outcome or with refused sends: not all went well, the rest may follow.
        return (
            RunStatus.PARTLY_FAILED if (self.errors or self.unknown or self.failed) else RunStatus.SUCCEEDED
        )


class PollRun(Run):
    statuses = models.JSONField(_("statuses after the pass"), default=dict, blank=True)

    class Meta(Run.Meta):
        verbose_name = _("order poll")
        verbose_name_plural = _("order polls")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"
