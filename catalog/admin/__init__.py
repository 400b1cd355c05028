"""Admin, one module per area; the index shows the catalog in three boxes that say who is who."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.admin import gifts, offers, partner_sites, products  # noqa: F401
from catalog.models import (
    Gift,
    GiftPublication,
    Offer,
    OfferPriceChange,
    Partner,
    PartnerApiKey,
    PartnerSite,
    Product,
    PushRun,
    SyncRun,
    TelegramGift,
)
from giftoffice.admin_site import AdminSection

admin.site.add_sections(
    "catalog",
    [
        AdminSection(_("Our gifts and API clients (who call our API)"), (Gift, Partner, PartnerApiKey)),
        AdminSection(_("Partner sites (we push to)"), (PartnerSite, GiftPublication, PushRun)),
        AdminSection(
            _("Supplier catalogs (we buy from)"), (Product, TelegramGift, Offer, OfferPriceChange, SyncRun)
        ),
    ],
)
# The app list beside every page takes a fifth of a 1366 px screen that wide lists need; the index and
# the breadcrumbs lead everywhere it did.
admin.site.enable_nav_sidebar = False
