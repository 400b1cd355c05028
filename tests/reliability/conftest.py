"""Fixtures of the reliability tests: the API tests' HTTP client, and the sandbox partner site."""

import pytest
from django.core.cache import cache

from catalog.services import rate_counters
from tests.api.conftest import api_client  # noqa: F401  fixture
from tests.push.factories import PartnerSiteFactory


@pytest.fixture(autouse=True)
def _isolated_media_and_throttles(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db"} & set(request.fixturenames)
    )
    cache.clear()
    if uses_db:
        rate_counters.reset()  # throttle counters must not leak between tests
    yield
    if uses_db:
        rate_counters.reset()


@pytest.fixture
def sandbox_partner_site(sandbox):
    return PartnerSiteFactory(name="sandbox", base_url=f"{sandbox}/partner")
