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
