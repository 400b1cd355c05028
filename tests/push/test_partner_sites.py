"""The partner-site service: finding a site by name; the demo's sandbox site."""

import pytest

from catalog.models import PartnerSite
from catalog.services import partner_sites
from giftoffice.demo.partner_sites import ensure_sandbox_site
from tests.push.factories import PartnerSiteFactory

pytestmark = pytest.mark.django_db


def test_get_site_finds_a_site_by_name():
    site = PartnerSiteFactory(name="shop")

    assert partner_sites.get_site(name="shop") == site


def test_get_site_refuses_an_unknown_name_and_names_the_known_ones():
    PartnerSiteFactory(name="shop")
    PartnerSiteFactory(name="market")

    with pytest.raises(partner_sites.SiteConfigError) as caught:
        partner_sites.get_site(name="nope")

    assert str(caught.value) == "no partner site named 'nope'; known: market, shop"


@pytest.mark.django_db(transaction=True)
def test_ensure_sandbox_site_points_a_working_site_at_the_sandbox_and_is_idempotent(sandbox, settings):
    # given: a first call, then staff disable the site and change its secret
    first = ensure_sandbox_site()
    PartnerSite.objects.filter(name="sandbox").update(enabled=False, auth_secret="Api-Key stale")
    # when
    second = ensure_sandbox_site()
    # then
    site = PartnerSite.objects.get()
    assert first == f"partner site 'sandbox' created, pointing at {sandbox}/partner"
    assert second == f"partner site 'sandbox' updated, pointing at {sandbox}/partner"
    assert (site.name, site.base_url, site.enabled) == ("sandbox", f"{sandbox}/partner", True)
    assert (site.auth_header, site.auth_secret) == (
        settings.SANDBOX_PARTNER_AUTH_HEADER,
        settings.SANDBOX_PARTNER_SECRET,
    )
    assert partner_sites.check_connection(site=site) == 0
