"""Admin, one module per area."""

from catalog.admin import gifts, offers, partner_sites, products  # noqa: F401
