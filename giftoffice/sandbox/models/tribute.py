"""Tribute sandbox state: the seller's product catalog, generated deterministically on first use.

Kept in a table (not generated per request) so tests and staff can change, remove or add products
between two syncs and watch the mirror follow.
"""

from django.db import models

__all__ = ["TributeCatalogState", "TributeSandboxProduct"]


class TributeCatalogState(models.Model):
    """One row once the catalog has been generated, so an emptied catalog stays empty."""

    seeded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Tribute catalog state"

    def __str__(self) -> str:
        return f"Tribute catalog generated at {self.seeded_at}"


class TributeSandboxProduct(models.Model):
    """A product in the spec's shape. `forbidden` products belong to another seller: they are not
    listed, and GET /api/v1/products/{id} answers 403 for them."""

    id = models.PositiveBigIntegerField(primary_key=True)
    type = models.CharField(max_length=20)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=10)
    stars_amount = models.PositiveIntegerField(null=True, blank=True)
    stars_amount_enabled = models.BooleanField(default=False)
    status = models.CharField(max_length=30, default="approved")
    is_custom = models.BooleanField(default=False)
    accept_cards = models.BooleanField(default=True)
    accept_wallet_pay = models.BooleanField(default=False)
    protect_content = models.BooleanField(default=False)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    pending_orders = models.PositiveIntegerField(default=0)
    image_url = models.CharField(max_length=1000, blank=True)
    link = models.CharField(max_length=1000, blank=True)
    web_link = models.CharField(max_length=1000, blank=True)
    forbidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = "Tribute product (sandbox)"
        verbose_name_plural = "Tribute products (sandbox)"

    def __str__(self) -> str:
        return f"{self.id} {self.name}"
