"""Sandbox state lives in tables so runserver, gunicorn workers and tests all see the same state.

Provider-specific records (gifts sent, orders, reports, remote gifts) are defined beside each provider.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_hang_delay() -> float:
    """Just past the clients' read timeout, read when the fault is armed: a hang must outlast it."""
    return float(settings.INTEGRATION_READ_TIMEOUT) + 1.0


class Provider(models.TextChoices):
    GIFTLY = "giftly", "Giftly"
    GAMESDROP = "gamesdrop", "GamesDrop"
    TRIBUTE = "tribute", "Tribute"
    TELEGRAM = "telegram", "Telegram Bot API"
    PARTNER = "partner", _("Partner site (/external/gift)")


class FaultKind(models.TextChoices):
    HTTP_500 = "http_500", _("Answer 500")
    HTTP_503 = "http_503", _("Answer 503")
    HTTP_429 = "http_429", _("Answer 429 (rate limited)")
    HANG = "hang", _("Hang past the client's timeout, then answer")
    DROP = "drop", _("Drop the connection without answering")
    COMMIT_THEN_500 = "commit_then_500", _("Commit the effect, then answer 500")
    COMMIT_THEN_HANG = "commit_then_hang", _("Commit the effect, then hang past the timeout")
    COMMIT_THEN_DROP = "commit_then_drop", _("Commit the effect, then drop the connection")


class Fault(models.Model):
    """An armed fault: the next `remaining` calls matching provider and path misbehave as `kind`."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    path = models.CharField(
        _("path"),
        max_length=200,
        blank=True,
        help_text=_(
            "Matches when the request path (after /sandbox/{provider}/) ends with these whole segments, "
            "e.g. buyGift or api/v1/products/2548; empty matches every path of the provider."
        ),
    )
    kind = models.CharField(_("fault"), max_length=20, choices=FaultKind.choices)
    remaining = models.PositiveIntegerField(_("remaining"), default=1, validators=[MinValueValidator(1)])
    delay_seconds = models.FloatField(
        _("delay (seconds)"), default=default_hang_delay, help_text=_("How long a hang lasts.")
    )
    retry_after = models.PositiveIntegerField(
        _("Retry-After (seconds)"), default=1, help_text=_("Seconds announced with a 429.")
    )
    fired = models.PositiveIntegerField(_("fired"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("armed fault")
        verbose_name_plural = _("armed faults")

    def __str__(self) -> str:
        return f"{self.provider} {self.path or '*'} {self.kind} x{self.remaining}"

    def save(self, *args, **kwargs) -> None:
        # The admin and faults.arm() store the same form, whatever slashes staff typed.
        self.path = normalize_path(self.path)
        super().save(*args, **kwargs)

    def matches(self, path: str) -> bool:
        """Whole segments at the end: "buyGift" or "api/v1/products/2548" name one endpoint, and
        "api/v1/balance" does not fire on "api/v1/balance/transactions" nor "products/25" on
        "products/2548"."""
        if not self.path:
            return True
        wanted = self.path.split("/")
        segments = normalize_path(path).split("/")
        return segments[-len(wanted) :] == wanted


def normalize_path(path: str) -> str:
    return path.strip().strip("/")
