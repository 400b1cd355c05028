"""Fixtures of the reliability tests: the API tests' HTTP client, and the sandbox partner site."""

import pytest

from tests.api.conftest import _isolated_media_and_throttles, api_client  # noqa: F401  fixtures
from tests.push.factories import PartnerSiteFactory


@pytest.fixture
def sandbox_partner_site(sandbox):
    return PartnerSiteFactory(name="sandbox", base_url=f"{sandbox}/partner")
