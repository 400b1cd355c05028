"""Telegram sandbox state: every gift purchase reported through reportGiftPurchase."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["TelegramPurchaseReport"]


class TelegramPurchaseReport(models.Model):
    """transaction_id is unique per marketplace (we are the one marketplace), so a repeat is refused."""

    transaction_id = models.CharField(_("transaction id"), max_length=64, unique=True)
    transaction_date = models.BigIntegerField(_("transaction date"))
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    sale_type = models.CharField(_("sale type"), max_length=10)
    gift_name = models.CharField(_("gift name"), max_length=255, blank=True)
    gift_names = models.JSONField(_("gift names"), default=list, blank=True)
    buyer_id = models.BigIntegerField(_("buyer id"))
    seller_id = models.BigIntegerField(_("seller id"), null=True, blank=True)
    recipient_id = models.BigIntegerField(_("recipient id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("Telegram gift purchase report")
        verbose_name_plural = _("Telegram gift purchase reports")

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.amount} {self.currency}"
