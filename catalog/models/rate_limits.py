"""Rate-limit counters shared by every process serving the API (see catalog.services.rate_counters).

Not in the admin (machine state, rewritten on every request), so its names are not translated.
"""

from django.db import models


class RateCounter(models.Model):
    """One fixed-window counter: a partner key's requests, or one client address's failed logins."""

    counter_key = models.CharField("key", max_length=200, primary_key=True)
    window_no = models.BigIntegerField("window")
    count = models.PositiveIntegerField("count")
    expires_at = models.FloatField("expires at (epoch seconds)", db_index=True)

    class Meta:
        verbose_name = "rate counter"
        verbose_name_plural = "rate counters"

    def __str__(self) -> str:
        return self.counter_key
