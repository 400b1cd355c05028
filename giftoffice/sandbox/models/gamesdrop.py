"""Sandbox state of the GamesDrop simulator: the partner account, its orders and balance history.

The catalog itself is generated from the offer id (`providers/gamesdrop_catalog.py`), so a 100,000-offer
catalog costs no rows; `GamesDropOfferOverride` records the few offers a test or a staff drill changed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

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

    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, help_text="USD")
    draft_balance = models.DecimalField(_("draft balance"), max_digits=14, decimal_places=2, default=0)
    is_postpaid = models.BooleanField(_("postpaid"), default=False)
    balance_profile = models.CharField(
        _("balance profile"), max_length=5, choices=GamesDropProfile.choices, default=GamesDropProfile.MIXED
    )
    partner_id = models.PositiveIntegerField(_("partner id"), default=123)

    class Meta:
        verbose_name = _("GamesDrop sandbox account")
        verbose_name_plural = _("GamesDrop sandbox accounts")

    def __str__(self) -> str:
        return f"partner {self.partner_id}: {self.balance} USD ({self.balance_profile})"


class GamesDropOfferOverride(models.Model):
    """A change to one generated offer: hidden (vanished from the feed), repriced, or out of stock."""

    offer_id = models.BigIntegerField(_("offer id"), primary_key=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, null=True, blank=True)
    in_stock = models.BooleanField(_("in stock"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("GamesDrop sandbox offer override")
        verbose_name_plural = _("GamesDrop sandbox offer overrides")

    def __str__(self) -> str:
        return f"offer {self.offer_id}"


class GamesDropOrder(models.Model):
    """An order the back-office created; `polls` drives SUBMITTED -> PROCESSING -> final status."""

    # The activation key handed to the customer: no admin page shows it (giftoffice.crypto).
    SECRET_FIELDS = ("key",)

    order_id = models.BigIntegerField(_("order id"), unique=True)
    transaction_id = models.CharField(_("transaction id"), max_length=255, unique=True)
    offer_id = models.BigIntegerField(_("offer id"))
    product_name = models.CharField(_("product"), max_length=255)
    offer_name = models.CharField(_("offer"), max_length=255)
    count = models.PositiveIntegerField(_("count"), default=1)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=8)
    charged_usd = models.DecimalField(_("charged (USD)"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=12, choices=GamesDropOrderStatus.choices)
    final_status = models.CharField(_("final status"), max_length=12, choices=GamesDropOrderStatus.choices)
    polls = models.PositiveIntegerField(_("status polls"), default=0)
    is_return_data_for_customer = models.BooleanField(_("returns data for the customer"), default=False)
    is_required_game_user_id = models.BooleanField(_("needs player id"), default=False)
    is_required_game_server_id = models.BooleanField(_("needs server id"), default=False)
    key = models.CharField(_("key"), max_length=100, blank=True)
    message = models.CharField(_("message"), max_length=255, blank=True)
    fulfillment_data = models.JSONField(_("fulfillment data"), null=True, blank=True)
    customer = models.JSONField(_("customer"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("GamesDrop sandbox order")
        verbose_name_plural = _("GamesDrop sandbox orders")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"order {self.order_id} ({self.status})"


class GamesDropTransaction(models.Model):
    """A line of the account's balance history (amount negative for debits), as the API lists it."""

    type = models.CharField(_("type"), max_length=10, choices=GamesDropTransactionType.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    description = models.CharField(_("description"), max_length=255)
    order = models.ForeignKey(
        GamesDropOrder,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transactions",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("GamesDrop sandbox balance transaction")
        verbose_name_plural = _("GamesDrop sandbox balance transactions")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.amount}"
