"""The demo's partner site: the sandbox partner, so a push works out of the box."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from catalog.models import PartnerSite
from catalog.services.partner_sites import validate_site

SANDBOX_SITE_NAME = "sandbox"


def ensure_sandbox_site() -> str:
    """A site named `sandbox` pointing at the sandbox partner, with the sandbox's credentials."""
    with transaction.atomic():
        site, created = PartnerSite.objects.select_for_update().get_or_create(
            name=SANDBOX_SITE_NAME,
            defaults={"base_url": f"{settings.SANDBOX_BASE_URL}/partner"},
        )
        site.base_url = f"{settings.SANDBOX_BASE_URL}/partner"
        site.auth_header = settings.SANDBOX_PARTNER_AUTH_HEADER
        site.auth_secret = settings.SANDBOX_PARTNER_SECRET
        site.enabled = True
        validate_site(site)
        site.save()
    verb = "created" if created else "updated"
    return f"partner site {site.name!r} {verb}, pointing at {site.base_url}"
