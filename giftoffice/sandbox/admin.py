"""Sandbox admin: arm faults for drills; see (read-only) what the back-office did at each simulator.

Registered only when the sandbox is enabled: its tables always exist, but with the simulators off
staff should not see (or arm faults for) suppliers that are not there.
"""

from django.conf import settings
from django.contrib import admin

from giftoffice.admin_mixins import ReadOnlyAdminMixin, SecretFieldsAdminMixin
from giftoffice.sandbox.models import (
    Fault,
    GamesDropAccount,
    GamesDropOfferOverride,
    GamesDropOrder,
    GamesDropTransaction,
    GiftlyAccount,
    GiftlySentGift,
    PartnerRemoteGift,
    TelegramPurchaseReport,
    TributeSandboxProduct,
)


class FaultAdmin(admin.ModelAdmin):
    """Staff drills: arm a fault here and watch how the back-office copes."""

    list_display = ["provider", "path", "kind", "remaining", "fired", "delay_seconds", "created_at"]
    list_filter = ["provider", "kind"]


class ReadOnlySandboxAdmin(SecretFieldsAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the back-office did at a simulated supplier: visible to staff, never edited by hand; keys
    the simulator handed out are masked like ours."""


# --- partner site (/external/gift/) -----------------------------------------------------------------


class PartnerRemoteGiftAdmin(ReadOnlySandboxAdmin):
    """What the back-office pushed to the sandbox partner site; read-only, as a remote site would be."""

    list_display = ["id", "name_ro", "start_time", "removal_time", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["name_ro", "name_ru", "name_en", "name_uk"]
    ordering = ["-id"]


# --- Giftly, Tribute, Telegram simulators: what the back-office did, read-only ------------------------


class GiftlyAccountAdmin(admin.ModelAdmin):
    """The balance stays editable: setting it low is how a staff drill reaches "insufficient balance"."""

    list_display = ["id", "balance_rub", "updated_at"]
    fields = ["balance_rub", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GiftlySentGiftAdmin(ReadOnlySandboxAdmin):
    list_display = ["id", "recipient", "gift_id", "price_rub", "balance_after_rub", "text", "created_at"]
    list_filter = ["gift_id"]
    search_fields = ["recipient", "gift_id"]


class TributeSandboxProductAdmin(ReadOnlySandboxAdmin):
    list_display = ["id", "name", "type", "amount", "currency", "status", "forbidden", "updated"]
    list_filter = ["type", "forbidden", "currency"]
    search_fields = ["=id", "name"]


class TelegramPurchaseReportAdmin(ReadOnlySandboxAdmin):
    list_display = [
        "transaction_id",
        "transaction_date",
        "amount",
        "currency",
        "sale_type",
        "gift_name",
        "gift_names",
        "buyer_id",
        "seller_id",
        "recipient_id",
        "created_at",
    ]
    list_filter = ["currency", "sale_type"]
    search_fields = ["transaction_id", "gift_name"]


# --- GamesDrop -----------------------------------------------------------------------------------------


class GamesDropAccountAdmin(ReadOnlySandboxAdmin):
    list_display = ["partner_id", "balance", "draft_balance", "is_postpaid", "balance_profile"]


class GamesDropOrderAdmin(ReadOnlySandboxAdmin):
    list_display = [
        "order_id",
        "transaction_id",
        "offer_id",
        "product_name",
        "offer_name",
        "price",
        "currency",
        "charged_usd",
        "status",
        "final_status",
        "polls",
        "created_at",
    ]
    list_filter = ["status", "final_status", "currency"]
    search_fields = ["=order_id", "transaction_id", "=offer_id", "product_name"]


class GamesDropTransactionAdmin(ReadOnlySandboxAdmin):
    list_display = ["id", "type", "amount", "balance_after", "description", "order", "created_at"]
    list_filter = ["type"]


class GamesDropOfferOverrideAdmin(ReadOnlySandboxAdmin):
    list_display = ["offer_id", "hidden", "price", "in_stock", "updated_at"]


SANDBOX_ADMINS: dict[type, type[admin.ModelAdmin]] = {
    Fault: FaultAdmin,
    PartnerRemoteGift: PartnerRemoteGiftAdmin,
    GiftlyAccount: GiftlyAccountAdmin,
    GiftlySentGift: GiftlySentGiftAdmin,
    TributeSandboxProduct: TributeSandboxProductAdmin,
    TelegramPurchaseReport: TelegramPurchaseReportAdmin,
    GamesDropAccount: GamesDropAccountAdmin,
    GamesDropOrder: GamesDropOrderAdmin,
    GamesDropTransaction: GamesDropTransactionAdmin,
    GamesDropOfferOverride: GamesDropOfferOverrideAdmin,
}


def register(site: admin.AdminSite) -> None:
    for model, model_admin in SANDBOX_ADMINS.items():
        site.register(model, model_admin)


if settings.SANDBOX_ENABLED:
    register(admin.site)
