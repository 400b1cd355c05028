"""Giftly sandbox state: the RUB balance of our account and every gift it accepted."""

from decimal import Decimal

from django.db import models

__all__ = ["GiftlyAccount", "GiftlySentGift"]


class GiftlyAccount(models.Model):
    """The one sandbox account behind the configured GIFTLY_TOKEN; created on first use."""

    balance_rub = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Giftly account"

    def __str__(self) -> str:
        return f"Giftly balance {self.balance_rub} RUB"


class GiftlySentGift(models.Model):
    """A gift Giftly accepted (answered 201) and debited; delivery is queued on their side."""

    recipient = models.CharField(max_length=32)
    gift_id = models.CharField(max_length=32)
    text = models.TextField(blank=True)
    price_rub = models.DecimalField(max_digits=12, decimal_places=2)
    balance_after_rub = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "Giftly gift sent"
        verbose_name_plural = "Giftly gifts sent"

    def __str__(self) -> str:
        return f"#{self.pk} {self.gift_id} -> {self.recipient}"
