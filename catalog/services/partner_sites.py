"""Partner sites (the sites we push our gifts to): add one, build its client, check the connection."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError

from catalog.models import PartnerSite
from giftoffice.integrations.base import Timeouts
from giftoffice.integrations.partner import PartnerSiteClient


class SiteConfigError(Exception):
    """A site cannot be added or used as configured; the message is one readable line."""


def client_for(site: PartnerSite) -> PartnerSiteClient:
    """The site's client: its own base URL, auth header and timeout (connect capped at the read timeout)."""
    read = float(site.timeout_seconds)
    return PartnerSiteClient(
        base_url=site.base_url,
        auth_header=site.auth_header,
        auth_secret=site.auth_secret,
        timeouts=Timeouts(connect=min(settings.INTEGRATION_CONNECT_TIMEOUT, read), read=read),
        name=site.name,
    )


def get_site(*, name: str) -> PartnerSite:
    """The site of that name; refuses an unknown one, naming the known sites."""
    site = PartnerSite.objects.filter(name=name).first()
    if site is None:
        known = ", ".join(PartnerSite.objects.values_list("name", flat=True)) or "none yet (add_partner_site)"
        raise SiteConfigError(f"no partner site named {name!r}; known: {known}")
    return site


def add_site(
    *,
    name: str,
    base_url: str,
    auth_header: str = "Authorization",
    auth_secret: str = "",
    timeout_seconds: float | None = None,
    batch_size: int | None = None,
    languages: Sequence[str] | None = None,
) -> PartnerSite:
    """Create a site after full validation; refuses a name already taken."""
    if PartnerSite.objects.filter(name=name).exists():
        raise SiteConfigError(f"a partner site named {name!r} already exists")
    site = PartnerSite(
        name=name, base_url=base_url.rstrip("/"), auth_header=auth_header, auth_secret=auth_secret
    )
    if timeout_seconds is not None:
        site.timeout_seconds = timeout_seconds
    if batch_size is not None:
        site.batch_size = batch_size
    if languages is not None:
        site.languages = list(languages)
    validate_site(site)
    site.save()
    return site


def check_connection(*, site: PartnerSite) -> int:
    """GET the site's gift list with the configured auth; returns how many gifts it holds.

    Raises the client's IntegrationError subclasses (AuthError for refused credentials, ...).
    """
    return len(client_for(site).list_gifts())


def validate_site(site: PartnerSite) -> None:
    """Every field rule of the model, as one readable SiteConfigError line."""
    try:
        site.full_clean(validate_unique=False)
    except ValidationError as exc:
        parts = [f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()]
        raise SiteConfigError("; ".join(parts)) from exc
