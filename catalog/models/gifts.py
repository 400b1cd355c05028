"""Catalog models. Per-language columns (name_ro, name_ru, ...) are added by modeltranslation
(`catalog/translation.py`); the attribute without suffix reads the active language."""

import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.validators import DESCRIPTION_MAX_LENGTH, validate_link, validate_multiline, validate_single_line


def gift_image_path(instance: "Gift", filename: str) -> str:
    """Uploads are renamed to a UUID so names never collide and never leak the uploader's file name."""
    ext = PurePosixPath(filename).suffix.lower() or ".png"
    return f"gift_images/{uuid.uuid4()}{ext}"


class Partner(models.Model):
    """An API client: a caller of OUR /external/gift/ API, authenticated by its keys (PartnerApiKey).

    Shown as "API client" in the admin. Not to be confused with a PartnerSite, a site whose gift API
    WE call to push our gifts to (catalog.models.partner_sites).
    """

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("Who calls our /external/gift/ API with these keys (not a site we push to)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerApiKey(models.Model):
    """An API client key: how one caller of our API authenticates. Only a SHA-256 hash of the key is
    stored; the key itself is shown once, at creation."""

    # A hash cannot be reversed, but no page needs it either: one fewer thing to guess against.
    SECRET_FIELDS = ("key_hash",)

    partner = models.ForeignKey(
        Partner, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    can_write = models.BooleanField(_("can write"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API client key")
        verbose_name_plural = _("API client keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.partner} {self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Gift(models.Model):
    """A "gift with product": translated texts and images, shown between start_time and removal_time."""

    # The same limits and rules as the API's (catalog.services.gift_input), so the admin cannot save what
    # the API would refuse: one line of visible text for names, bounded descriptions, public links.
    name = models.CharField(_("name"), max_length=255, blank=True, validators=[validate_single_line])
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH), validate_multiline],
    )
    link = models.URLField(_("partner link"), max_length=1000, blank=True, validators=[validate_link])
    # Uploaded files live under media/gift_images/<uuid>.<ext>. A value that is already an absolute
    # http(s) URL (sent by a partner through the API) is stored and served as is.
    icon = models.ImageField(_("icon"), upload_to=gift_image_path, max_length=1000, blank=True)
    image = models.ImageField(_("image"), upload_to=gift_image_path, max_length=1000, blank=True)
    start_time = models.DateTimeField(_("start time"))
    removal_time = models.DateTimeField(_("removal time"))
    active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        Partner,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gifts",
        help_text=_("The API client that created it through our API; empty for gifts made by staff."),
    )
    # The supplier item that fulfils the gift when it is sold ("Sell…"): ours, never on the partner wire.
    telegram_gift = models.ForeignKey(
        "catalog.TelegramGift",
        verbose_name=_("fulfilled by Telegram gift"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The Giftly gift sent when this gift is sold. At most one of Telegram gift and offer."),
    )
    offer = models.ForeignKey(
        "catalog.Offer",
        verbose_name=_("fulfilled by GamesDrop offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The GamesDrop offer bought when this gift is sold."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(removal_time__gt=F("start_time")),
                name="gift_removal_after_start",
                violation_error_message=_("Removal time must be after start time."),
            ),
            models.CheckConstraint(
                condition=Q(telegram_gift__isnull=True) | Q(offer__isnull=True),
                name="gift_fulfilled_by_one_item",
                violation_error_message=_("Name a Telegram gift or a GamesDrop offer, not both."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    def clean(self) -> None:
        # Field-level twin of the check constraint, so forms show the message next to removal_time.
        super().clean()
        if self.start_time and self.removal_time and self.removal_time <= self.start_time:
            raise ValidationError({"removal_time": _("Removal time must be after start time.")})
