from django.contrib import admin

from giftoffice.sandbox.models import Fault


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    """Staff drills: arm a fault here and watch how the back-office copes."""

    list_display = ["provider", "path", "kind", "remaining", "fired", "delay_seconds", "created_at"]
    list_filter = ["provider", "kind"]


# --- GamesDrop -----------------------------------------------------------------------------------------
from giftoffice.sandbox.models import (  # noqa: E402
    GamesDropAccount,
    GamesDropOfferOverride,
    GamesDropOrder,
    GamesDropTransaction,
)


class GamesDropReadOnlyAdmin(admin.ModelAdmin):
    """What the back-office did at the simulated supplier: visible, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GamesDropAccount)
class GamesDropAccountAdmin(GamesDropReadOnlyAdmin):
    list_display = ["partner_id", "balance", "draft_balance", "is_postpaid", "balance_profile"]


@admin.register(GamesDropOrder)
class GamesDropOrderAdmin(GamesDropReadOnlyAdmin):
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


@admin.register(GamesDropTransaction)
class GamesDropTransactionAdmin(GamesDropReadOnlyAdmin):
    list_display = ["id", "type", "amount", "balance_after", "description", "order", "created_at"]
    list_filter = ["type"]


@admin.register(GamesDropOfferOverride)
class GamesDropOfferOverrideAdmin(GamesDropReadOnlyAdmin):
    list_display = ["offer_id", "hidden", "price", "in_stock", "updated_at"]
