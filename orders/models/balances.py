"""Supplier balances as last read by the scheduled task: the admin shows these, never a live call."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["BalanceReading"]


class BalanceReading(models.Model):
    """One read of a supplier's balance, kept as history (a failed read too, with its error).

    Only GamesDrop has a balance endpoint (`GET /api/v1/offers/balance`); Giftly's document exposes
    none, so there is nothing to read for it.
    """

    supplier = models.CharField(_("supplier"), max_length=16)
    read_at = models.DateTimeField(_("read at"), db_index=True)
    ok = models.BooleanField(_("read"), default=True)
    balance = models.DecimalField(_("balance"), max_digits=20, decimal_places=4, null=True, blank=True)
    draft_balance = models.DecimalField(
        _("reserved (draftBalance)"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=8, blank=True)
    is_postpaid = models.BooleanField(_("postpaid"), default=False)
    profile = models.CharField(_("balance profile"), max_length=32, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("supplier balance reading")
        verbose_name_plural = _("supplier balance readings")
        ordering = ["-read_at"]
        indexes = [models.Index(fields=["supplier", "-read_at"], name="balance_reading_latest")]

    def __str__(self) -> str:
        if not self.ok:
            return f"{self.supplier} {self.read_at:%Y-%m-%d %H:%M}: {self.error}"
        return f"{self.supplier} {self.read_at:%Y-%m-%d %H:%M}: {self.balance} {self.currency}"
