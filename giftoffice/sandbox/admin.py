from django.contrib import admin

from giftoffice.sandbox.models import Fault


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    """Staff drills: arm a fault here and watch how the back-office copes."""

    list_display = ["provider", "path", "kind", "remaining", "fired", "delay_seconds", "created_at"]
    list_filter = ["provider", "kind"]


# --- partner site (/external/gift/) -----------------------------------------------------------------
from giftoffice.sandbox.models import PartnerRemoteGift  # noqa: E402


@admin.register(PartnerRemoteGift)
class PartnerRemoteGiftAdmin(admin.ModelAdmin):
    """What the back-office pushed to the sandbox partner site; read-only, as a remote site would be."""

    list_display = ["id", "name_ro", "start_time", "removal_time", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["name_ro", "name_ru", "name_en", "name_uk"]
    ordering = ["-id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Giftly, Tribute, Telegram simulators: what the back-office did, read-only ------------------------
from giftoffice.sandbox.models import (  # noqa: E402
    GiftlyAccount,
    GiftlySentGift,
    TelegramPurchaseReport,
    TributeSandboxProduct,
)


class ReadOnlySandboxAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GiftlyAccount)
class GiftlyAccountAdmin(admin.ModelAdmin):
    """The balance stays editable: setting it low is how a staff drill reaches "insufficient balance"."""

    list_display = ["id", "balance_rub", "updated_at"]
    fields = ["balance_rub", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GiftlySentGift)
class GiftlySentGiftAdmin(ReadOnlySandboxAdmin):
    list_display = ["id", "recipient", "gift_id", "price_rub", "balance_after_rub", "text", "created_at"]
    list_filter = ["gift_id"]
    search_fields = ["recipient", "gift_id"]


@admin.register(TributeSandboxProduct)
class TributeSandboxProductAdmin(ReadOnlySandboxAdmin):
    list_display = ["id", "name", "type", "amount", "currency", "status", "forbidden", "updated"]
    list_filter = ["type", "forbidden", "currency"]
    search_fields = ["=id", "name"]


@admin.register(TelegramPurchaseReport)
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
