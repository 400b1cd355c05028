"""Admin of the supplier catalogs: Tribute products (a read-only mirror plus staff translations) and
the Giftly Telegram gifts."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from catalog.admin.filters import MarketplaceNameFilter, RemovedFilter
from catalog.admin.labels import TRIBUTE_STATUS_LABELS, label, labelled_filter
from catalog.admin.sync_now import SyncNowAdminMixin
from catalog.models import Product, SyncSource, TelegramGift
from catalog.services.products import DESCRIPTION_FIELD, MIRRORED_FIELDS, NAME_FIELD


@admin.register(Product)
class ProductAdmin(SyncNowAdminMixin, TabbedTranslationAdmin):
    """The mirror is written by the sync only; staff add translations into ro, en and uk."""

    sync_source = SyncSource.TRIBUTE_PRODUCTS

    list_display = [
        "remote_id",
        "name",
        "type",
        "price",
        "stars",
        "status_label",
        "present",
        "pending_orders",
        "remote_updated",
        "updated_at",
    ]
    list_display_links = ["remote_id", "name"]
    list_filter = [
        RemovedFilter,
        "type",
        "currency",
        labelled_filter("status", TRIBUTE_STATUS_LABELS),
        "stars_amount_enabled",
        "is_custom",
    ]
    search_fields = ["=remote_id", "name_ro", "name_ru", "name_en", "name_uk", "description_ru"]
    date_hierarchy = "remote_updated"
    readonly_fields = [
        "remote_id",
        *MIRRORED_FIELDS,
        "status_label",
        "removed_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (_("Texts (Russian comes from Tribute)"), {"fields": ["name", "description"]}),
        (
            _("From Tribute"),
            {
                "fields": [
                    ("remote_id", "type", "status_label"),
                    ("amount", "currency"),
                    ("stars_amount", "stars_amount_enabled"),
                    ("is_custom", "accept_cards", "accept_wallet_pay", "protect_content"),
                    "pending_orders",
                    "image_url",
                    ("link", "web_link"),
                    ("remote_created", "remote_updated"),
                ]
            },
        ),
        (_("Mirror"), {"fields": [("removed_at", "created_at", "updated_at")]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, NAME_FIELD, DESCRIPTION_FIELD]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("Tribute status"), ordering="status")
    def status_label(self, obj: Product) -> str:
        return label(TRIBUTE_STATUS_LABELS, obj.status)

    @admin.display(description=_("price"), ordering="amount")
    def price(self, obj: Product) -> str:
        return f"{Decimal(obj.amount) / 100:.2f} {obj.currency.upper()}"

    @admin.display(description=_("Stars"), ordering="stars_amount")
    def stars(self, obj: Product) -> str:
        if obj.stars_amount is None:
            return "-"
        stars = f"{obj.stars_amount} ★"
        return stars if obj.stars_amount_enabled else _("%(stars)s (off)") % {"stars": stars}

    @admin.display(description=_("in feed"), boolean=True, ordering="removed_at")
    def present(self, obj: Product) -> bool:
        return obj.removed_at is None


@admin.register(TelegramGift)
class TelegramGiftAdmin(TabbedTranslationAdmin):
    list_display = ["emoji", "name", "gift_id", "price_rub", "report_gift_name", "active"]
    list_display_links = ["emoji", "name"]
    list_editable = ["active"]
    list_filter = ["active", MarketplaceNameFilter]
    search_fields = ["gift_id", "name_ro", "name_ru", "name_en", "name_uk", "marketplace_name"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "gift_id",
        "emoji",
        "price_rub",
        "name",
        "marketplace_name",
        "active",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        # The Giftly id is the key orders and reports use: fixed once the gift exists.
        return [*self.readonly_fields, "gift_id"] if obj else list(self.readonly_fields)

    @admin.display(description=_("gift_name in Telegram reports"), ordering="marketplace_name")
    def report_gift_name(self, obj: TelegramGift) -> str:
        if obj.report_gift_name:
            return obj.report_gift_name
        return format_html('<span class="report-name-missing">⚠ {}</span>', _("missing: reports wait"))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # deactivate instead: orders refer to gifts by id
