"""Tribute sandbox state: the seller's product catalog, generated deterministically on first use.

Kept in a table (not generated per request) so tests and staff can change, remove or add products
between two syncs and watch the mirror follow.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["TributeCatalogState", "TributeSandboxProduct"]


class TributeCatalogState(models.Model):
    """One row once the catalog has been generated, so an emptied catalog stays empty."""

    seeded_at = models.DateTimeField(_("generated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Tribute catalog state")
        verbose_name_plural = _("Tribute catalog states")

    def __str__(self) -> str:
        return f"Tribute catalog generated at {self.seeded_at}"


class TributeSandboxProduct(models.Model):
    """A product in the spec's shape. `forbidden` products belong to another seller: they are not
    listed, and GET /api/v1/products/{id} answers 403 for them."""

    id = models.PositiveBigIntegerField(_("Tribute id"), primary_key=True)
    type = models.CharField(_("type"), max_length=20)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    amount = models.BigIntegerField(_("price (minor units)"))
    currency = models.CharField(_("currency"), max_length=10)
    stars_amount = models.PositiveIntegerField(_("price in Stars"), null=True, blank=True)
    stars_amount_enabled = models.BooleanField(_("Stars payment enabled"), default=False)
    status = models.CharField(_("status"), max_length=30, default="approved")
    is_custom = models.BooleanField(_("isCustom"), default=False)
    accept_cards = models.BooleanField(_("accepts cards"), default=True)
    accept_wallet_pay = models.BooleanField(_("accepts Wallet Pay"), default=False)
    protect_content = models.BooleanField(_("protected content"), default=False)
    created = models.DateTimeField(_("created at Tribute"))
    updated = models.DateTimeField(_("updated at Tribute"))
    pending_orders = models.PositiveIntegerField(_("pending orders"), default=0)
    image_url = models.CharField(_("image URL"), max_length=1000, blank=True)
    link = models.CharField(_("Telegram link"), max_length=1000, blank=True)
    web_link = models.CharField(_("web link"), max_length=1000, blank=True)
    forbidden = models.BooleanField(_("another seller's (answers 403)"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Tribute product (sandbox)")
        verbose_name_plural = _("Tribute products (sandbox)")

    def __str__(self) -> str:
        return f"{self.id} {self.name}"
