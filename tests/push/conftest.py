import pytest

from giftoffice.integrations.partner import PartnerSiteClient
from tests.push.factories import PartnerSiteFactory


@pytest.fixture
def partner_site(sandbox):
    """A partner site pointing at the sandbox partner (a 5 s timeout; hang tests shorten it)."""
    return PartnerSiteFactory(name="sandbox", base_url=f"{sandbox}/partner")


@pytest.fixture
def partner_client(partner_site) -> PartnerSiteClient:
    from catalog.services.partner_sites import client_for

    return client_for(partner_site)


@pytest.fixture
def partner_api(sandbox, settings):
    """Raw HTTP access to the sandbox partner's /external/gift/ API with the right credentials."""
    import requests

    class Api:
        base = f"{sandbox}/partner/external/gift/"
        headers = {settings.SANDBOX_PARTNER_AUTH_HEADER: settings.SANDBOX_PARTNER_SECRET}

        def call(self, method: str, path: str = "", json=None, headers=None, timeout=5.0):
            return requests.request(
                method,
                self.base + path,
                json=json,
                headers=headers if headers is not None else self.headers,
                timeout=timeout,
            )

    return Api()
