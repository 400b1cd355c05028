"""One-time keys of the doors that buy: a confirmation page's token, a command's --idempotency-key.

The unique key is the guard against a double submit: the first confirm inserts the row in the
transaction that creates its sale or campaign, so a second POST of the same page (a double click, a
resubmit, a proxy retry) finds the row and what it made, and buys nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["KEY_MAX", "PurchaseKey", "PurchaseKind"]

KEY_MAX = 100


class PurchaseKind(models.TextChoices):
    SEND = "send", _("send to Telegram users")
    BUY = "buy", _("buy a GamesDrop offer")
    SELL = "sell", _("sell a gift")


class PurchaseKey(models.Model):
    key = models.CharField(_("key"), max_length=KEY_MAX, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=PurchaseKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # What the first use made. SET_NULL, not CASCADE: the key must stay used even if that goes.
    sale = models.ForeignKey(
        "orders.Sale",
        verbose_name=_("sale"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "orders.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("purchase key")
        verbose_name_plural = _("purchase keys")

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
