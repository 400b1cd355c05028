"""Shared test fixtures. Factories live in tests/factories.py."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import translation

from giftoffice.integrations.base import Timeouts


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (ro).

    A request activates its language in the thread and Django leaves it active afterwards, so without
    this a test that requests /ru/admin/ would change what gettext and reverse() give the next test.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def sandbox(live_server, settings):
    """The sandbox served over real HTTP by the live server, with every client pointed at it.

    The read timeout leaves room for a loaded CI machine; tests of "hang" faults shorten it with
    `hang_timeouts`. Backoff is zero so retried calls do not sleep.
    Returns the sandbox base URL, e.g. http://localhost:PORT/sandbox.
    """
    base = f"{live_server.url}/sandbox"
    settings.SANDBOX_BASE_URL = base
    settings.GAMESDROP_BASE_URL = f"{base}/gamesdrop"
    settings.TRIBUTE_BASE_URL = f"{base}/tribute"
    settings.GIFTLY_BASE_URL = f"{base}/giftly"
    settings.TELEGRAM_API_BASE = f"{base}/telegram"
    settings.INTEGRATION_CONNECT_TIMEOUT = 2.0
    settings.INTEGRATION_READ_TIMEOUT = 5.0
    settings.INTEGRATION_BACKOFF_SECONDS = 0.0
    return base


@pytest.fixture
def hang_timeouts(settings) -> float:
    """A 1 s read timeout, so a "hang" fault (armed with a longer delay) times out fast."""
    settings.INTEGRATION_READ_TIMEOUT = 1.0
    return settings.INTEGRATION_READ_TIMEOUT


@pytest.fixture
def short_timeouts() -> Timeouts:
    return Timeouts(connect=2.0, read=1.0)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite ignores row locks")


def poll_until(check: Callable[[], object], *, timeout: float = 10.0, interval: float = 0.05) -> object:
    """Wait for `check()` to return a truthy value, failing after `timeout` seconds (no bare sleeps)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
