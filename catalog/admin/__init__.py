"""Admin, one module per area."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.admin import gifts, offers, partner_sites, products  # noqa: F401

admin.site.site_header = _("giftoffice back-office")
admin.site.site_title = _("giftoffice")
# The app list beside every page takes a fifth of a 1366 px screen that wide lists need; the index and
# the breadcrumbs lead everywhere it did.
admin.site.enable_nav_sidebar = False
