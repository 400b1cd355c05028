"""The partner-site service: finding a site by name, the demo's sandbox site."""

import pytest

from catalog.services import partner_sites
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
