"""Exchange rates for reporting sales in Telegram's currencies (USD or TON)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["ExchangeRate"]


class ExchangeRate(models.Model):
    """1 `from_currency` = `rate` `to_currency`, from `valid_from` until the next rate of the pair.

    A sale is converted at the rate of its pair with the latest `valid_from` at or before its
    completion; rates are history, so a later rate never changes an earlier sale's report.
    """

    from_currency = models.CharField(_("from currency"), max_length=8)
    to_currency = models.CharField(_("to currency"), max_length=8)
    rate = models.DecimalField(_("rate"), max_digits=30, decimal_places=12)
    valid_from = models.DateTimeField(_("valid from"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["from_currency", "to_currency", "-valid_from"]
        constraints = [
            # Also the index of the "latest valid_from <= t" lookup.
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "valid_from"], name="exchange_rate_unique_pair_time"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=~Q(from_currency=F("to_currency")), name="exchange_rate_distinct_currencies"
            ),
        ]

    def __str__(self) -> str:
        rate = f"{self.rate.normalize():f}"
        return f"1 {self.from_currency} = {rate} {self.to_currency} ({self.valid_from:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        self.from_currency = self.from_currency.strip().upper()
        self.to_currency = self.to_currency.strip().upper()
        super().save(*args, **kwargs)
