"""Supplier catalogs we sell from: Tribute products (synced) and Giftly Telegram gifts (seeded).

Translated fields get per-language columns from modeltranslation (`catalog/translation.py`). The
Tribute feed is in one language, Russian: the sync writes only `name_ru` / `description_ru`, so staff
translations into ro, en and uk survive every sync; until they exist, those languages fall back to
the Russian text.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["FEED_LANGUAGE", "Product", "ProductType", "TelegramGift"]

# The language column the Tribute feed's name and description are stored in.
FEED_LANGUAGE = "ru"


class ProductType(models.TextChoices):
    DIGITAL = "digital", _("digital")
    CUSTOM = "custom", _("made to order")
    PHYSICAL = "physical", _("physical")


class Product(models.Model):
    """Mirror of a Tribute product. Vanished products are marked removed, never deleted."""

    remote_id = models.PositiveBigIntegerField(_("Tribute id"), unique=True)
    type = models.CharField(_("type"), max_length=20, choices=ProductType.choices)
    name = models.CharField(_("name"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    amount = models.BigIntegerField(_("price (minor units)"), help_text=_("Cents / kopecks of the currency."))
    currency = models.CharField(_("currency"), max_length=10)
    stars_amount = models.PositiveIntegerField(_("price in Stars"), null=True, blank=True)
    stars_amount_enabled = models.BooleanField(_("Stars payment enabled"), default=False)
    # Tribute's own status, stored verbatim: the spec names only "approved".
    status = models.CharField(_("Tribute status"), max_length=30, blank=True)
    is_custom = models.BooleanField(_("isCustom"), default=False)
    accept_cards = models.BooleanField(_("accepts cards"), default=False)
    accept_wallet_pay = models.BooleanField(_("accepts Wallet Pay"), default=False)
    protect_content = models.BooleanField(_("protected content"), default=False)
    pending_orders = models.PositiveIntegerField(_("pending orders"), default=0)
    image_url = models.URLField(_("image URL"), max_length=1000, blank=True)
    link = models.URLField(_("Telegram link"), max_length=1000, blank=True)
    web_link = models.URLField(_("web link"), max_length=1000, blank=True)
    remote_created = models.DateTimeField(_("created at Tribute"), null=True, blank=True)
    remote_updated = models.DateTimeField(_("updated at Tribute"), null=True, blank=True)
    removed_at = models.DateTimeField(
        _("removed"), null=True, blank=True, db_index=True, help_text=_("When it vanished from the feed.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set by the sync only when a mirrored field changed (not auto_now: bulk writes set it explicitly).
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("Tribute product")
        verbose_name_plural = _("Tribute products")
        ordering = ["remote_id"]

    def __str__(self) -> str:
        return f"{self.name or '?'} ({self.remote_id})"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class TelegramGift(models.Model):
    """A gift of the Giftly catalog, sent to a Telegram user id and reported to Telegram."""

    gift_id = models.CharField(_("Giftly gift id"), max_length=32, unique=True)
    emoji = models.CharField(_("emoji"), max_length=16)
    price_rub = models.DecimalField(_("price (RUB)"), max_digits=10, decimal_places=2)
    name = models.CharField(_("name"), max_length=100, blank=True)
    marketplace_name = models.CharField(
        _("marketplace gift name"),
        max_length=100,
        blank=True,
        help_text=_(
            "The gift_name sent in Telegram purchase reports. Empty: reports of sales of this gift wait "
            "until it is set (the numeric Giftly id is never reported)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Telegram gift")
        verbose_name_plural = _("Telegram gifts")
        ordering = ["price_rub", "gift_id"]

    def __str__(self) -> str:
        return f"{self.emoji} {self.name or self.gift_id}"

    @property
    def report_gift_name(self) -> str:
        """The gift_name for Telegram, or "" while none is set: Telegram wants the marketplace's own
        gift identifier, so the numeric Giftly id is never a stand-in."""
        return self.marketplace_name.strip()
