"""Fixtures for the /external/gift/ API tests: a requests client per API key over the live server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from django.core.cache import cache

from catalog.services import rate_counters


@pytest.fixture(autouse=True)
def _isolated_media_and_throttles(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    # Throttle counters must not leak between tests: the database's go with each test's transaction
    # (or flush), Redis's are deleted.
    if settings.REDIS_URL:
        rate_counters.reset()
    yield
    cache.clear()
    if settings.REDIS_URL:
        rate_counters.reset()


class ApiClient:
    """Talks to /external/ over real HTTP with `Authorization: Api-Key <key>`."""

    def __init__(self, base_url: str, key: str | None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if key is not None:
            self.session.headers["Authorization"] = f"Api-Key {key}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, f"{self.base_url}/external/{path}", timeout=30, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def post(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)


@pytest.fixture
def api_client(live_server) -> Callable[[str | None], ApiClient]:
    """api_client(key) -> an ApiClient for that key (None: no Authorization header)."""

    def make(key: str | None) -> ApiClient:
        return ApiClient(live_server.url, key)

    return make
