"""Sandbox state of the GamesDrop simulator: the partner account, its orders and balance history.

The catalog itself is generated from the offer id (`providers/gamesdrop_catalog.py`), so a 100,000-offer
catalog costs no rows; `GamesDropOfferOverride` records the few offers a test or a staff drill changed.
"""

from django.db import models

__all__ = [
    "GamesDropAccount",
    "GamesDropOfferOverride",
    "GamesDropOrder",
    "GamesDropOrderStatus",
    "GamesDropProfile",
    "GamesDropTransaction",
    "GamesDropTransactionType",
]


class GamesDropProfile(models.TextChoices):
    FIAT = "FIAT", "FIAT"
    USDT = "USDT", "USDT"
    MIXED = "MIXED", "MIXED"


class GamesDropOrderStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED", "SUBMITTED"
    PROCESSING = "PROCESSING", "PROCESSING"
    COMPLETED = "COMPLETED", "COMPLETED"
    CANCELED = "CANCELED", "CANCELED"
    FAILED = "FAILED", "FAILED"
    REFUND = "REFUND", "REFUND"


class GamesDropTransactionType(models.TextChoices):
    DEPOSIT = "DEPOSIT", "DEPOSIT"
    PURCHASE = "PURCHASE", "PURCHASE"
    REFUND = "REFUND", "REFUND"


class GamesDropAccount(models.Model):
    """The one partner account the sandbox serves (row pk=1, created on first use from settings)."""

    balance = models.DecimalField(max_digits=14, decimal_places=2, help_text="USD")
    draft_balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    is_postpaid = models.BooleanField(default=False)
    balance_profile = models.CharField(
        max_length=5, choices=GamesDropProfile.choices, default=GamesDropProfile.MIXED
    )
    partner_id = models.PositiveIntegerField(default=123)

    class Meta:
        verbose_name = "GamesDrop sandbox account"

    def __str__(self) -> str:
        return f"partner {self.partner_id}: {self.balance} USD ({self.balance_profile})"


class GamesDropOfferOverride(models.Model):
    """A change to one generated offer: hidden (vanished from the feed), repriced, or out of stock."""

    offer_id = models.BigIntegerField(primary_key=True)
    hidden = models.BooleanField(default=False)
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    in_stock = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "GamesDrop sandbox offer override"

    def __str__(self) -> str:
        return f"offer {self.offer_id}"


class GamesDropOrder(models.Model):
    """An order the back-office created; `polls` drives SUBMITTED -> PROCESSING -> final status."""

    order_id = models.BigIntegerField(unique=True)
    transaction_id = models.CharField(max_length=255, unique=True)
    offer_id = models.BigIntegerField()
    product_name = models.CharField(max_length=255)
    offer_name = models.CharField(max_length=255)
    count = models.PositiveIntegerField(default=1)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=8)
    charged_usd = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=12, choices=GamesDropOrderStatus.choices)
    final_status = models.CharField(max_length=12, choices=GamesDropOrderStatus.choices)
    polls = models.PositiveIntegerField(default=0)
    is_return_data_for_customer = models.BooleanField(default=False)
    is_required_game_user_id = models.BooleanField(default=False)
    is_required_game_server_id = models.BooleanField(default=False)
    key = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=255, blank=True)
    fulfillment_data = models.JSONField(null=True, blank=True)
    customer = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "GamesDrop sandbox order"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"order {self.order_id} ({self.status})"


class GamesDropTransaction(models.Model):
    """A line of the account's balance history (amount negative for debits), as the API lists it."""

    type = models.CharField(max_length=10, choices=GamesDropTransactionType.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=255)
    order = models.ForeignKey(
        GamesDropOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "GamesDrop sandbox balance transaction"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.amount}"
