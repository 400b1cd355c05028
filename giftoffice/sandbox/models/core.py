"""Sandbox state lives in tables so runserver, gunicorn workers and tests all see the same state.

Provider-specific records (gifts sent, orders, reports, remote gifts) are defined beside each provider.
"""

from django.db import models


class Provider(models.TextChoices):
    GIFTLY = "giftly", "Giftly"
    GAMESDROP = "gamesdrop", "GamesDrop"
    TRIBUTE = "tribute", "Tribute"
    TELEGRAM = "telegram", "Telegram Bot API"
    PARTNER = "partner", "Partner site (/external/gift)"


class FaultKind(models.TextChoices):
    HTTP_500 = "http_500", "Answer 500"
    HTTP_503 = "http_503", "Answer 503"
    HTTP_429 = "http_429", "Answer 429 (rate limited)"
    HANG = "hang", "Hang past the client's timeout, then answer"
    DROP = "drop", "Drop the connection without answering"
    COMMIT_THEN_500 = "commit_then_500", "Commit the effect, then answer 500"
    COMMIT_THEN_HANG = "commit_then_hang", "Commit the effect, then hang past the timeout"
    COMMIT_THEN_DROP = "commit_then_drop", "Commit the effect, then drop the connection"


class Fault(models.Model):
    """An armed fault: the next `remaining` calls matching provider and path misbehave as `kind`."""

    provider = models.CharField(max_length=20, choices=Provider.choices)
    path = models.CharField(
        max_length=200,
        blank=True,
        help_text="Matches when the request path (after /sandbox/<provider>/) contains this text; "
        "empty matches every path of the provider.",
    )
    kind = models.CharField(max_length=20, choices=FaultKind.choices)
    remaining = models.PositiveIntegerField(default=1)
    delay_seconds = models.FloatField(default=5.0, help_text="How long a hang lasts.")
    retry_after = models.PositiveIntegerField(default=1, help_text="Seconds announced with a 429.")
    fired = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.path or '*'} {self.kind} x{self.remaining}"
