"""Sales and the supplier orders that fulfil them.

A `Sale` is what a customer bought from us; each `SupplierOrder` is one purchase from one supplier that
fulfils it (a campaign is one sale per recipient). Every status move of a supplier order goes through
`orders.services.status.set_status`, which checks `ORDER_TRANSITIONS` and writes an `OrderEvent`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from giftoffice.crypto import EncryptedTextField

__all__ = [
    "ORDER_TRANSITIONS",
    "OrderEvent",
    "OrderStatus",
    "Sale",
    "SaleType",
    "Supplier",
    "SupplierOrder",
    "new_transaction_id",
]

TRANSACTION_ID_MAX = 64  # Telegram's reportGiftPurchase: 1-64 characters


def new_transaction_id() -> str:
    # 32 hex characters: inside Telegram's 1-64 and safe in every supplier's transaction id field.
    return uuid.uuid4().hex


transaction_id_validators = [
    MinLengthValidator(1),
    RegexValidator(r"^[A-Za-z0-9_.:-]+$", _("Letters, digits and _ . : - only.")),
]


class Supplier(models.TextChoices):
    GIFTLY = "giftly", "Giftly"
    GAMESDROP = "gamesdrop", "GamesDrop"


class SaleType(models.TextChoices):
    # Telegram's reportGiftPurchase sale_type values, as written in the spec.
    LISTING = "listing", _("listing")
    OFFER = "offer", _("offer")
    AUCTION = "auction", _("auction")


class OrderStatus(models.TextChoices):
    NEW = "NEW", _("new")
    SUBMITTING = "SUBMITTING", _("submitting")
    SUBMITTED = "SUBMITTED", _("submitted")
    PROCESSING = "PROCESSING", _("processing")
    COMPLETED = "COMPLETED", _("completed")
    CANCELED = "CANCELED", _("canceled")
    FAILED = "FAILED", _("failed")
    REFUNDED = "REFUNDED", _("refunded")
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN", _("outcome unknown")


S = OrderStatus
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    # NEW -> SUBMITTING is the compare-and-set that makes a send happen once.
    S.NEW: frozenset({S.SUBMITTING, S.CANCELED}),
    # SUBMITTING -> NEW: the request never left (connection refused), so it may be sent again.
    # REFUNDED too: a lookup after a lost answer can find the supplier's order already refunded.
    S.SUBMITTING: frozenset(
        {S.NEW, S.SUBMITTED, S.PROCESSING, S.COMPLETED, S.CANCELED, S.FAILED, S.REFUNDED, S.OUTCOME_UNKNOWN}
    ),
    S.SUBMITTED: frozenset({S.PROCESSING, S.COMPLETED, S.CANCELED, S.FAILED, S.REFUNDED}),
    S.PROCESSING: frozenset({S.COMPLETED, S.CANCELED, S.FAILED, S.REFUNDED}),
    # Staff "resolve", or a lookup that finds the supplier's order (adopt) or proves it absent (resend).
    S.OUTCOME_UNKNOWN: frozenset(
        {S.NEW, S.SUBMITTED, S.PROCESSING, S.COMPLETED, S.CANCELED, S.FAILED, S.REFUNDED}
    ),
    S.COMPLETED: frozenset({S.REFUNDED}),
    S.CANCELED: frozenset(),
    S.FAILED: frozenset(),
    S.REFUNDED: frozenset(),
}
del S

OPEN_STATUSES = frozenset({OrderStatus.SUBMITTED, OrderStatus.PROCESSING})
FINAL_STATUSES = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.CANCELED, OrderStatus.FAILED, OrderStatus.REFUNDED}
)


class Sale(models.Model):
    transaction_id = models.CharField(
        _("transaction id"),
        max_length=TRANSACTION_ID_MAX,
        unique=True,
        default=new_transaction_id,
        editable=False,
        validators=transaction_id_validators,
        help_text=_("Ours, generated once; the transaction_id reported to Telegram."),
    )
    buyer_id = models.BigIntegerField(_("buyer Telegram id"), null=True, blank=True)
    recipient_id = models.BigIntegerField(_("recipient Telegram id"), null=True, blank=True)
    seller_id = models.BigIntegerField(
        _("seller Telegram id"), null=True, blank=True, help_text=_("Only for a resale.")
    )
    sale_type = models.CharField(
        _("sale type"), max_length=10, choices=SaleType.choices, default=SaleType.LISTING
    )
    # What the customer paid us. Nine places hold TON to the nanoton; never a float.
    amount_paid = models.DecimalField(
        _("amount paid"), max_digits=30, decimal_places=9, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=8, blank=True)
    gift = models.ForeignKey(
        "catalog.Gift",
        verbose_name=_("our gift"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Set when the sale is of a gift of our catalog (gift with product)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_paid__isnull=True) | Q(amount_paid__gt=0), name="sale_amount_paid_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.transaction_id


class SupplierOrder(models.Model):
    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="orders")
    supplier = models.CharField(_("supplier"), max_length=20, choices=Supplier.choices)
    telegram_gift = models.ForeignKey(
        "catalog.TelegramGift",
        verbose_name=_("Telegram gift"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offer = models.ForeignKey(
        "catalog.Offer",
        verbose_name=_("offer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transaction_id = models.CharField(
        _("transaction id"),
        max_length=TRANSACTION_ID_MAX,
        unique=True,
        default=new_transaction_id,
        editable=False,
        validators=transaction_id_validators,
        help_text=_("Ours, generated once and sent again on every retry, so the supplier can deduplicate."),
    )
    # What the purchase asks for: recipient (Giftly); player id, server, e-mail, @username (GamesDrop).
    request = models.JSONField(_("request"), default=dict, blank=True)
    price = models.DecimalField(_("supplier price"), max_digits=18, decimal_places=6, null=True, blank=True)
    currency = models.CharField(_("supplier currency"), max_length=8, blank=True)
    supplier_order_id = models.CharField(_("supplier order id"), max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW, db_index=True
    )
    supplier_message = models.TextField(_("supplier message"), blank=True)
    activation_key = EncryptedTextField(_("activation key"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Raised by every NEW -> SUBMITTING claim and compared with the status by every move: a worker
    # holding a copy from before a later claim cannot move that claim's send (the status alone repeats:
    # SUBMITTING -> NEW -> SUBMITTING).
    claim = models.PositiveBigIntegerField(_("claim"), default=0, editable=False)
    polls = models.PositiveIntegerField(_("status checks"), default=0)
    next_poll_at = models.DateTimeField(_("next status check"), null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("supplier order")
        verbose_name_plural = _("supplier orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(supplier=Supplier.GIFTLY, telegram_gift__isnull=False, offer__isnull=True)
                    | Q(supplier=Supplier.GAMESDROP, offer__isnull=False, telegram_gift__isnull=True)
                ),
                name="supplier_order_item_matches_supplier",
            ),
        ]
        permissions = [
            ("refresh_supplierorder", _("Can refresh a supplier order's status")),
            ("retry_supplierorder", _("Can retry a supplier order")),
            ("cancel_supplierorder", _("Can cancel a supplier order before submission")),
            ("resolve_supplierorder", _("Can resolve a supplier order whose outcome is unknown")),
            ("reveal_key_supplierorder", _("Can reveal an activation key")),
            ("override_margin_supplierorder", _("Can buy above our retail price")),
        ]

    def __str__(self) -> str:
        return self.transaction_id

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class OrderEvent(models.Model):
    """One status move (or a notable act, like revealing a key) of a supplier order: the audit trail."""

    order = models.ForeignKey(
        SupplierOrder, verbose_name=_("supplier order"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the system."),
    )
    message = models.TextField(_("message"), blank=True)
    # The supplier's answer with secrets (tokens, keys) removed before it is stored.
    supplier_answer = models.JSONField(_("supplier answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status or '-'}"
