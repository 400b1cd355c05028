"""Admin for GamesDrop offers, their price history, and every catalog SyncRun (both sources)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin.filters import RemovedFilter
from catalog.admin.sync_now import SyncNowAdminMixin
from catalog.models import Offer, OfferPriceChange, SyncRun, SyncSource
from catalog.models.offers import supplier_above_retail_q
from catalog.services.offers import clear_price_alerts, refresh_offer_prices
from giftoffice.admin_mixins import ReadOnlyAdminMixin
from giftoffice.integrations.base import IntegrationError
from giftoffice.runs.admin import RunAdminMixin

REFRESH_LIMIT = 200  # find-one calls made while the admin waits


class BelowCostFilter(admin.SimpleListFilter):
    title = _("supplier price above retail")
    parameter_name = "below_cost"

    def lookups(self, request, model_admin):
        return [("yes", _("yes"))]

    def queryset(self, request, queryset):
        return queryset.filter(supplier_above_retail_q()) if self.value() == "yes" else queryset


@admin.register(Offer)
class OfferAdmin(SyncNowAdminMixin, admin.ModelAdmin):
    sync_source = SyncSource.GAMESDROP_OFFERS
    list_display = [
        "offer_group_id",
        "product_name",
        "name",  # the category is a filter: a column of two values was the width a 1366 px screen lacked
        "supplier",
        "retail_price",
        "markup_percent",
        "retail",
        "margin_column",
        "flags",
        "in_stock",
        "listed",
    ]
    list_display_links = ["offer_group_id", "product_name"]
    list_editable = ["retail_price", "markup_percent"]
    list_filter = [
        RemovedFilter,
        "price_alert",
        BelowCostFilter,
        "category",
        "currency",
        "in_stock",
        "settlement_method",
        "returns_key",
        "requires_game_user_id",
    ]
    search_fields = ["product_name", "name", "=offer_group_id"]
    list_per_page = 100
    actions = ["refresh_price", "clear_price_alert"]
    fields = [
        ("offer_group_id", "product_id"),
        ("product_name", "name"),
        ("category", "settlement_method"),
        ("supplier_price", "currency", "in_stock"),
        ("requires_game_user_id", "requires_game_server_id", "returns_key"),
        ("retail_price", "markup_percent"),
        ("retail", "margin_column"),
        ("price_alert", "price_changed_at"),
        ("removed_at", "created_at", "updated_at"),
    ]
    readonly_fields = [
        "offer_group_id",
        "product_id",
        "product_name",
        "name",
        "category",
        "settlement_method",
        "supplier_price",
        "currency",
        "in_stock",
        "requires_game_user_id",
        "requires_game_server_id",
        "returns_key",
        "retail",
        "margin_column",
        "price_changed_at",
        "removed_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # offers come from the supplier's feed

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # vanished offers are marked removed, never deleted

    def save_model(self, request, obj, form, change) -> None:
        # Only what staff edited: a sync running meanwhile keeps its supplier fields.
        fields = [name for name in form.changed_data if name in form.fields]
        if "retail_price" in fields:
            # Typed beside the supplier price: it means the offer's currency as shown now.
            obj.retail_currency = obj.currency if obj.retail_price is not None else ""
            fields.append("retail_currency")
        if fields:
            obj.save(update_fields=fields)

    @admin.display(description=_("supplier price"), ordering="supplier_price")
    def supplier(self, obj: Offer) -> str:
        return f"{obj.supplier_price.normalize():f} {obj.currency}"

    @admin.display(description=_("sells at"))
    def retail(self, obj: Offer) -> str:
        price = obj.effective_retail_price
        if price is None:
            return "—"
        how = "" if obj.retail_price is not None else f" (+{obj.effective_markup_percent}%)"
        return f"{price} {obj.effective_retail_currency}{how}"

    @admin.display(description=_("margin"))
    def margin_column(self, obj: Offer) -> str:
        margin = obj.margin
        if margin is None:
            return "—"
        return f"{margin} {obj.currency} ({obj.margin_percent}%)"

    @admin.display(description=_("flags"))
    def flags(self, obj: Offer) -> str:
        parts = []
        if obj.price_alert:
            parts.append(format_html('<span style="color:#b26b00">{}</span>', _("price moved")))
        if obj.supplier_above_retail:
            parts.append(format_html('<span style="color:#ba2121">{}</span>', _("below cost")))
        return format_html(" · ".join(["{}"] * len(parts)), *parts) if parts else ""

    @admin.display(description=_("listed"), boolean=True, ordering="removed_at")
    def listed(self, obj: Offer) -> bool:
        return obj.removed_at is None

    @admin.action(description=_("Refresh price from GamesDrop (find-one)"), permissions=["change"])
    def refresh_price(self, request: HttpRequest, queryset) -> None:
        if queryset.count() > REFRESH_LIMIT:
            self.message_user(
                request,
                _(
                    "Select at most %(limit)d offers to refresh (one supplier call each); "
                    "use Sync now for the whole catalog."
                )
                % {"limit": REFRESH_LIMIT},
                messages.WARNING,
            )
            return
        try:
            result = refresh_offer_prices(offers=queryset)
        except IntegrationError as exc:
            self.message_user(request, _("Refresh failed: %(error)s") % {"error": exc}, messages.ERROR)
            return
        level = messages.WARNING if result.failed else messages.SUCCESS
        self.message_user(request, _("Refresh: %(summary)s") % {"summary": result.summary()}, level)

    @admin.action(description=_("Clear the price alert"), permissions=["change"])
    def clear_price_alert(self, request: HttpRequest, queryset) -> None:
        cleared = clear_price_alerts(offers=queryset)
        self.message_user(
            request,
            ngettext("Cleared %(count)d price alert.", "Cleared %(count)d price alerts.", cleared)
            % {"count": cleared},
            messages.SUCCESS,
        )


@admin.register(OfferPriceChange)
class OfferPriceChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["changed_at", "offer", "old", "new", "change_percent", "alert", "source", "sync_run"]
    list_filter = ["alert", "source", "currency"]
    search_fields = ["offer__product_name", "offer__name", "=offer__offer_group_id"]
    list_select_related = ["offer", "sync_run"]
    date_hierarchy = "changed_at"

    @admin.display(description=_("old price"), ordering="old_price")
    def old(self, obj: OfferPriceChange) -> str:
        return f"{obj.old_price.normalize():f} {obj.old_currency}"

    @admin.display(description=_("new price"), ordering="new_price")
    def new(self, obj: OfferPriceChange) -> str:
        return f"{obj.new_price.normalize():f} {obj.currency}"


@admin.register(SyncRun)
class SyncRunAdmin(RunAdminMixin, admin.ModelAdmin):
    """Every catalog sync, GamesDrop offers and Tribute products alike; read-only, the shared run page."""

    list_display = [
        "id",
        "source",
        "status_display",
        "trigger",
        "dry_run",
        "created_at",
        "duration",
        "result",  # one line for the five counts: five number columns did not fit 1366 px
        "short_message",
    ]
    list_filter = ["source", "status", "trigger", "dry_run"]
    search_fields = ["message"]
    fields = [
        "result",
        "source",
        "params",
        *RunAdminMixin.lifecycle_fields,
        "duration",
    ]
    readonly_fields = fields

    @admin.display(description=_("error"))
    def short_message(self, obj: SyncRun) -> str:
        return obj.message[:80] + ("…" if len(obj.message) > 80 else "")

    @admin.display(description=_("result"))
    def result(self, obj: SyncRun) -> str:
        return obj.localized_summary()
