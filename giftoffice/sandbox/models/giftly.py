"""Giftly sandbox state: the RUB balance of our account and every gift it accepted."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["GiftlyAccount", "GiftlySentGift"]


class GiftlyAccount(models.Model):
    """The one sandbox account behind the configured GIFTLY_TOKEN; created on first use."""

    balance_rub = models.DecimalField(
        _("balance (RUB)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Giftly account")
        verbose_name_plural = _("Giftly accounts")

    def __str__(self) -> str:
        return f"Giftly balance {self.balance_rub} RUB"


class GiftlySentGift(models.Model):
    """A gift Giftly accepted (answered 201) and debited; delivery is queued on their side."""

    recipient = models.CharField(_("recipient"), max_length=32)
    gift_id = models.CharField(_("gift id"), max_length=32)
    text = models.TextField(_("text"), blank=True)
    price_rub = models.DecimalField(_("price (RUB)"), max_digits=12, decimal_places=2)
    balance_after_rub = models.DecimalField(_("balance after (RUB)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("Giftly gift sent")
        verbose_name_plural = _("Giftly gifts sent")

    def __str__(self) -> str:
        return f"#{self.pk} {self.gift_id} -> {self.recipient}"
