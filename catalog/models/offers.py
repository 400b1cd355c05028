"""GamesDrop offers: the supplier's catalog mirrored by `sync_offers`, priced for resale by staff.

Supplier fields are written only by the sync and by "Refresh price"; staff own `retail_price` and
`markup_percent`. Names are not translated: the feed comes in one language and its names are brand
and denomination names ("PUBG Mobile", "60 UC") that read the same in ro, ru, en and uk.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Offer", "OfferFeedState", "OfferPriceChange", "OfferSettlementMethod"]

CENT = Decimal("0.01")
PRICE_PLACES = 6


class OfferSettlementMethod(models.TextChoices):
    FIAT = "FIAT", "FIAT"
    USDT = "USDT", "USDT"
    MIXED = "MIXED", "MIXED"


def default_markup_percent() -> Decimal | None:
    value = str(getattr(settings, "OFFER_DEFAULT_MARKUP_PERCENT", "") or "").strip()
    return Decimal(value) if value else None


def supplier_above_retail_q() -> Q:
    """Offers we would sell below cost: a fixed retail price under the supplier price, or in another
    currency than the supplier's now (not comparable without a rate: flagged until staff look), or a
    negative markup (the default markup is a positive setting and never flags)."""
    fixed = Q(retail_price__isnull=False)
    return (
        (fixed & Q(retail_currency=F("currency"), supplier_price__gt=F("retail_price")))
        | (fixed & ~Q(retail_currency=F("currency")))
        | Q(retail_price__isnull=True, markup_percent__lt=0)
    )


class Offer(models.Model):
    offer_group_id = models.BigIntegerField(_("offer group id"), unique=True)
    product_id = models.BigIntegerField(_("product id"), null=True, blank=True)
    product_name = models.CharField(_("product"), max_length=255)
    name = models.CharField(_("offer"), max_length=255)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    # Six places: the price goes back to the supplier as the create-order price confirmation.
    supplier_price = models.DecimalField(_("supplier price"), max_digits=18, decimal_places=PRICE_PLACES)
    currency = models.CharField(_("currency"), max_length=8)
    in_stock = models.BooleanField(_("in stock"), default=True)
    settlement_method = models.CharField(
        _("settlement method"), max_length=5, choices=OfferSettlementMethod.choices, blank=True
    )
    requires_game_user_id = models.BooleanField(_("needs player id"), default=False)
    requires_game_server_id = models.BooleanField(_("needs server id"), default=False)
    returns_key = models.BooleanField(
        _("returns a key"), null=True, blank=True, help_text=_("Empty until the supplier says.")
    )

    retail_price = models.DecimalField(
        _("retail price"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Our selling price, in the offer's currency. Empty: supplier price plus the markup."),
    )
    # What the retail price is meant in: the offer's currency when staff set it. The supplier may change
    # its currency later; the retail price keeps meaning what it meant (the margin guard converts).
    retail_currency = models.CharField(
        _("retail currency"), max_length=8, blank=True, default="", db_default="", editable=False
    )
    markup_percent = models.DecimalField(
        _("markup %"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Used when no retail price is set. Empty: the default markup setting."),
    )
    price_alert = models.BooleanField(
        _("price alert"),
        default=False,
        db_index=True,
        help_text=_("The supplier price moved by more than the alert threshold; cleared by staff."),
    )
    price_changed_at = models.DateTimeField(_("price changed"), null=True, blank=True)
    removed_at = models.DateTimeField(
        _("removed"), null=True, blank=True, db_index=True, help_text=_("Gone from the supplier's feed.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # Set by every write (sync, refresh, admin edits), never by an unchanged sync row nor by clearing a
    # price alert (catalog.services.offers.clear_price_alerts says why).
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("GamesDrop offer")
        verbose_name_plural = _("GamesDrop offers")
        ordering = ["product_name", "name", "offer_group_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(retail_price__isnull=True) | ~Q(retail_currency=""),
                name="offer_retail_price_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} — {self.name} (#{self.offer_group_id})"

    def save(self, *args, **kwargs) -> None:
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        also = {"updated_at"}
        if update_fields is None or "retail_price" in update_fields:
            # A retail price set without a currency means the offer's currency of the moment.
            if self.retail_price is None:
                self.retail_currency = ""
            elif not self.retail_currency:
                self.retail_currency = self.currency
            also.add("retail_currency")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *also}
        super().save(*args, **kwargs)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def effective_markup_percent(self) -> Decimal | None:
        return self.markup_percent if self.markup_percent is not None else default_markup_percent()

    @property
    def effective_retail_currency(self) -> str:
        """The currency of `effective_retail_price`: the fixed price's own, else the supplier's (the
        markup applies to the supplier price as it is now)."""
        if self.retail_price is not None:
            # Blank only before the first save, which would store the offer's currency (see `save`).
            return self.retail_currency or self.currency
        return self.currency

    @property
    def effective_retail_price(self) -> Decimal | None:
        """What we sell it for: the fixed retail price, else the supplier price plus the markup."""
        if self.retail_price is not None:
            return self.retail_price
        markup = self.effective_markup_percent
        if markup is None or self.supplier_price is None:
            return None
        return (self.supplier_price * (1 + markup / 100)).quantize(CENT, ROUND_HALF_UP)

    @property
    def margin(self) -> Decimal | None:
        """In the supplier's currency; None when our retail price is in another one."""
        retail = self.effective_retail_price
        if retail is None or self.supplier_price is None or self.effective_retail_currency != self.currency:
            return None
        return (retail - self.supplier_price).quantize(CENT, ROUND_HALF_UP)

    @property
    def margin_percent(self) -> Decimal | None:
        retail, margin = self.effective_retail_price, self.margin
        if retail is None or margin is None or retail == 0:
            return None
        return (margin * 100 / retail).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def supplier_above_retail(self) -> bool:
        """As `supplier_above_retail_q`: a retail price in another currency cannot be compared here."""
        retail = self.effective_retail_price
        if retail is None:
            return False
        return self.effective_retail_currency != self.currency or self.supplier_price > retail


class OfferPriceChange(models.Model):
    """One move of an offer's supplier price, recorded by the sync or a price refresh."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="price_changes"
    )
    old_price = models.DecimalField(_("old price"), max_digits=18, decimal_places=PRICE_PLACES)
    new_price = models.DecimalField(_("new price"), max_digits=18, decimal_places=PRICE_PLACES)
    old_currency = models.CharField(_("old currency"), max_length=8)
    currency = models.CharField(_("currency"), max_length=8)
    change_percent = models.DecimalField(
        _("change %"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty if the currency changed."),
    )
    alert = models.BooleanField(_("over threshold"), default=False)
    source = models.CharField(_("source"), max_length=20, default="sync")
    sync_run = models.ForeignKey(
        "catalog.SyncRun",
        verbose_name=_("sync run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offer_price_changes",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("offer price change")
        verbose_name_plural = _("offer price changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.offer_id}: {self.old_price} {self.old_currency} -> {self.new_price} {self.currency}"


class OfferFeedState(models.Model):
    """The fingerprint of the last full feed written and the catalog stamp right after writing it.

    When the next full feed has the same fingerprint and the table the same stamp, nothing can differ,
    and the sync skips the row-by-row comparison. Any other write to the table changes the stamp.
    """

    key = models.CharField(max_length=50, unique=True)
    feed_fingerprint = models.CharField(max_length=64)
    catalog_stamp = models.CharField(max_length=100)
    rows = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("offer feed state")

    def __str__(self) -> str:
        return f"{self.key}: {self.rows} rows"
