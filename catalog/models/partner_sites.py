"""Partner sites we push our gifts to (they speak the /external/gift/ API), and the push records.

The callers of OUR API are API clients (catalog.models.gifts.Partner), not partner sites."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models.gifts import Gift
from giftoffice.crypto import EncryptedTextField
from giftoffice.runs.models import Run, RunStatus

__all__ = [
    "GiftPublication",
    "PartnerSite",
    "PullRun",
    "PushRun",
    "default_site_languages",
]


def default_site_languages() -> list[str]:
    return list(settings.LANGUAGE_CODES)


def validate_site_languages(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one language."))
    unknown = [code for code in value if code not in settings.LANGUAGE_CODES]
    if unknown:
        raise ValidationError(
            _("Unknown languages: %(codes)s"), params={"codes": ", ".join(map(str, unknown))}
        )
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    if default not in value:
        # Remote copies are matched on the default-language name after an unknown outcome.
        raise ValidationError(
            _("The default language (%(code)s) must be included."), params={"code": default}
        )


def validate_timeout_below_task_timeout(value: float) -> None:
    """One call must end before the django-q2 task making it is killed (and its run judged dead)."""
    limit = settings.Q_CLUSTER.get("timeout")
    if limit and value >= limit:
        raise ValidationError(
            _("Must be below the task queue's time limit (%(limit)s seconds)."), params={"limit": limit}
        )


class PartnerSite(models.Model):
    """A partner site WE push our gifts to (and pull theirs from): a remote site serving the
    /external/gift/ API, called with the auth header and secret it gave us. `base_url` is its {domain}.

    Not to be confused with an API client (catalog.models.gifts.Partner), a caller of OUR API.
    """

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("A site whose gift API we call to push our gifts (not a caller of our API)."),
    )
    base_url = models.URLField(
        _("base URL"),
        max_length=500,
        help_text=_("The site's {domain}: requests go to this URL followed by /external/gift/."),
    )
    auth_header = models.CharField(_("auth header name"), max_length=100, default="Authorization")
    # Encrypted at rest (Fernet, FIELD_ENCRYPTION_KEYS): the column holds a token, Python the plain value.
    auth_secret = EncryptedTextField(
        _("auth header value"),
        blank=True,
        validators=[MaxLengthValidator(500)],
        help_text=_("Sent as the value of the auth header, e.g. 'Api-Key …'. Never shown again once saved."),
    )
    timeout_seconds = models.FloatField(
        _("timeout (seconds)"),
        default=20.0,
        validators=[MinValueValidator(0.1), MaxValueValidator(600), validate_timeout_below_task_timeout],
    )
    batch_size = models.PositiveIntegerField(
        _("batch size"), default=500, validators=[MinValueValidator(1), MaxValueValidator(5000)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    languages = models.JSONField(
        _("languages"),
        default=default_site_languages,
        validators=[validate_site_languages],
        help_text=_("Only these languages' fields are sent."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("partner site")
        verbose_name_plural = _("partner sites (we push to)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def site_languages(self) -> list[str]:
        """The configured languages in settings order (stable payloads and fingerprints)."""
        chosen = set(self.languages or [])
        return [code for code in settings.LANGUAGE_CODES if code in chosen]


class GiftPublication(models.Model):
    """One gift on one partner site: its remote id and what we last sent there."""

    gift = models.ForeignKey(
        Gift, verbose_name=_("gift"), on_delete=models.CASCADE, related_name="publications"
    )
    site = models.ForeignKey(
        PartnerSite, verbose_name=_("site"), on_delete=models.CASCADE, related_name="publications"
    )
    remote_id = models.PositiveBigIntegerField(_("remote id"), null=True, blank=True)
    last_pushed_at = models.DateTimeField(_("last pushed"), null=True, blank=True)
    fingerprint = models.CharField(_("payload fingerprint"), max_length=64, blank=True)
    pushed_payload = models.JSONField(
        _("payload last sent"), null=True, blank=True, help_text=_("Used for the field-level diff.")
    )
    # Set (and committed) before a bulk-create that carries this gift is sent, cleared when its remote
    # id is known or the site refused it: while set without a remote id, the create may have happened.
    create_sent_at = models.DateTimeField(_("create sent, outcome unknown"), null=True, blank=True)
    # The highest remote id the site held before that create was sent: after a lost answer only a
    # remote gift above it can be ours (one below it is the partner's own, whatever its content).
    create_sent_above_id = models.PositiveBigIntegerField(
        _("highest remote id before the create"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("gift publication")
        verbose_name_plural = _("gift publications")
        ordering = ["site__name", "gift_id"]
        constraints = [
            models.UniqueConstraint(fields=["gift", "site"], name="publication_one_per_gift_and_site"),
            models.UniqueConstraint(
                fields=["site", "remote_id"],
                condition=Q(remote_id__isnull=False),
                name="publication_remote_id_unique_per_site",
            ),
        ]

    def __str__(self) -> str:
        where = f"#{self.remote_id}" if self.remote_id else gettext("not published")
        return gettext("%(gift)s on %(site)s (%(where)s)") % {
            "gift": self.gift,
            "site": self.site,
            "where": where,
        }

    @property
    def is_published(self) -> bool:
        return self.remote_id is not None


class SiteRun(Run):
    """What a push and a pull share: the site, and the counts of items created, updated, skipped, failed."""

    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)

    # The counts written with each progress save (giftoffice.runs.services.save_progress).
    COUNT_FIELDS: tuple[str, ...] = ("created", "updated", "skipped", "failed")
    verb = ""  # "push to" / "pull from", for command lines
    kind_label: Any = ""  # "push" / "pull", translated, for labels

    class Meta(Run.Meta):
        abstract = True

    def __str__(self) -> str:
        text = f"{self.kind_label} #{self.pk} {self.site}"
        return gettext("%(run)s (dry run)") % {"run": text} if self.dry_run else text

    def outcome(self) -> str:
        return RunStatus.PARTLY_FAILED if self.failed else RunStatus.SUCCEEDED

    def failure_line(self) -> str | None:
        """Why a command over this run exits non-zero: one English line; None when nothing failed."""
        if self.status == RunStatus.FAILED:
            return f"{self.verb} {self.site} failed: {self.message}"
        if not self.failed:
            return None
        return self.items_failure_line(self.errors[0] if self.errors else {})

    def items_failure_line(self, first: dict) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        """One line for command output and task results, in English like the logs."""
        with translation.override("en"):
            return self.localized_summary()

    def localized_summary(self) -> str:
        """The summary line in the active language, for the admin."""
        return gettext("%(summary)s (run #%(id)s, %(status)s)") % {
            "summary": self.counts_line(),
            "id": self.pk,
            "status": self.get_status_display(),
        }

    def counts_line(self) -> str:
        raise NotImplementedError


class PushRun(SiteRun):
    """One push of our gifts to a partner site: who, when, what it did. Kept for the record."""

    site = models.ForeignKey(
        PartnerSite, verbose_name=_("site"), on_delete=models.PROTECT, related_name="push_runs"
    )
    gift_ids = models.JSONField(
        _("gifts"), null=True, blank=True, help_text=_("The selected gift ids; empty means every gift.")
    )
    linked = models.PositiveIntegerField(
        _("linked"), default=0, help_text=_("Created earlier with an unknown outcome, found and linked.")
    )
    report = models.JSONField(_("plan / report"), null=True, blank=True)

    COUNT_FIELDS = (*SiteRun.COUNT_FIELDS, "linked")
    verb = "push to"
    kind_label = _("push")

    class Meta(SiteRun.Meta):
        verbose_name = _("push run")
        verbose_name_plural = _("push runs")
        permissions = [("push_gifts", _("Can push gifts to partner sites"))]

    def items_failure_line(self, first: dict) -> str:
        return (
            f"{self.failed} gift(s) failed (run #{self.pk}); "
            f"first: gift {first.get('gift')}: {first.get('error')}"
        )

    def counts_line(self) -> str:
        params = {
            "site": self.site,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
            "linked": "",
        }
        if self.linked:
            params["linked"] = gettext(" (%(linked)d found already on the site)") % {"linked": self.linked}
        if self.dry_run:
            template = gettext(
                "push to %(site)s: would create %(created)d%(linked)s, would update %(updated)d, "
                "unchanged %(skipped)d, failed %(failed)d"
            )
        else:
            template = gettext(
                "push to %(site)s: create %(created)d%(linked)s, update %(updated)d, "
                "unchanged %(skipped)d, failed %(failed)d"
            )
        return template % params


class PullRun(SiteRun):
    """One import of a partner site's gifts into our catalog (onboarding). Kept for the record."""

    site = models.ForeignKey(
        PartnerSite, verbose_name=_("site"), on_delete=models.PROTECT, related_name="pull_runs"
    )

    verb = "pull from"
    kind_label = _("pull")

    class Meta(SiteRun.Meta):
        verbose_name = _("pull run")
        verbose_name_plural = _("pull runs")

    def items_failure_line(self, first: dict) -> str:
        return (
            f"{self.failed} remote gift(s) not imported (run #{self.pk}); "
            f"first: remote #{first.get('remote_id')}: {first.get('error')}"
        )

    def counts_line(self) -> str:
        params = {
            "site": self.site,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
        }
        if self.dry_run:
            template = gettext(
                "pull from %(site)s: would create %(created)d, would update %(updated)d, "
                "unchanged %(skipped)d, failed %(failed)d"
            )
        else:
            template = gettext(
                "pull from %(site)s: create %(created)d, update %(updated)d, "
                "unchanged %(skipped)d, failed %(failed)d"
            )
        return template % params
