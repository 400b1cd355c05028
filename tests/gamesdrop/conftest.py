import pytest

from giftoffice.integrations import gamesdrop
from giftoffice.integrations.gamesdrop import GamesDropClient
from giftoffice.sandbox.providers import gamesdrop_catalog


@pytest.fixture
def catalog_size(settings):
    """Set the sandbox catalog size (fixed offers included) and return a setter for other sizes."""

    def set_size(size: int) -> int:
        settings.SANDBOX_GAMESDROP_OFFERS = size
        return gamesdrop_catalog.catalog_size()

    set_size(60)
    return set_size


@pytest.fixture
def gd(sandbox, catalog_size) -> GamesDropClient:
    """A client on the sandbox over real HTTP, as configured from settings."""
    return gamesdrop.client()


@pytest.fixture
def fixed_count() -> int:
    return len(gamesdrop_catalog.FIXED_IDS)
