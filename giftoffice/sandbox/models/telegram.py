"""Telegram sandbox state: every gift purchase reported through reportGiftPurchase."""

from django.db import models

__all__ = ["TelegramPurchaseReport"]


class TelegramPurchaseReport(models.Model):
    """transaction_id is unique per marketplace (we are the one marketplace), so a repeat is refused."""

    transaction_id = models.CharField(max_length=64, unique=True)
    transaction_date = models.BigIntegerField()
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    sale_type = models.CharField(max_length=10)
    gift_name = models.CharField(max_length=255, blank=True)
    gift_names = models.JSONField(default=list, blank=True)
    buyer_id = models.BigIntegerField()
    seller_id = models.BigIntegerField(null=True, blank=True)
    recipient_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "Telegram gift purchase report"
        verbose_name_plural = "Telegram gift purchase reports"

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.amount} {self.currency}"
