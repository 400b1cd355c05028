"""List filters shared by the catalog admins."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class RemovedFilter(admin.SimpleListFilter):
    """Rows still in the supplier's feed, or marked removed (they are never deleted)."""

    title = _("in the feed")
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("no", _("listed")), ("yes", _("removed"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(removed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(removed_at__isnull=False)
        return queryset


class MarketplaceNameFilter(admin.SimpleListFilter):
    """Giftly gifts without a marketplace name hold back the Telegram reports of their sales."""

    title = _("marketplace name")
    parameter_name = "marketplace_name"

    def lookups(self, request, model_admin):
        return [("missing", _("missing (reports wait)")), ("set", _("set"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(marketplace_name__regex=r"^\s*$")
        if self.value() == "set":
            return queryset.exclude(marketplace_name__regex=r"^\s*$")
        return queryset
