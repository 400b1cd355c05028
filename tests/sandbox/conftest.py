"""Helpers for talking to the sandbox over plain HTTP (the control endpoint, raw contract checks)."""

import pytest
import requests
from django.conf import settings


@pytest.fixture
def control(sandbox):
    """Arm / list / disarm faults through the control endpoint, as staff drills and tests do."""

    class Control:
        url = f"{sandbox}/_control/faults/"

        def arm(self, **body) -> dict:
            response = requests.post(self.url, json=body, timeout=5)
            assert response.status_code == 201, response.text
            return response.json()

        def armed(self) -> list[dict]:
            return requests.get(self.url, timeout=5).json()["faults"]

        def disarm(self, provider: str | None = None) -> int:
            params = {"provider": provider} if provider else None
            return requests.delete(self.url, params=params, timeout=5).json()["disarmed"]

    return Control()


@pytest.fixture
def tribute_headers():
    return {"Api-Key": settings.TRIBUTE_API_KEY}
