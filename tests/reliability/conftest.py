"""Fixtures of the reliability tests: the API tests' HTTP client, and the sandbox partner site."""

import pytest
from django.core.cache import cache

from catalog.services import rate_counters
from tests.api.conftest import api_client  # noqa: F401  fixture
from tests.push.factories import PartnerSiteFactory


@pytest.fixture(autouse=True)
def _isolated_media_and_throttles(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    # Throttle counters must not leak between tests: the database's go with each test's transaction
    # (or flush), Redis's are deleted.
    if settings.REDIS_URL:
        rate_counters.reset()
    yield
    if settings.REDIS_URL:
        rate_counters.reset()


@pytest.fixture
def sandbox_partner_site(sandbox):
    return PartnerSiteFactory(name="sandbox", base_url=f"{sandbox}/partner")
