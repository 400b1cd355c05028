"""Per-key rate limits: DEFAULT_THROTTLE_RATES["partner_key_read"] for GET, ["partner_key_write"] else."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from catalog.models import PartnerApiKey


class PartnerKeyRateThrottle(SimpleRateThrottle):
    """429 with Retry-After once a key exceeds its rate. The scope is chosen per request (read/write);
    rates are read at request time so a settings change applies without a restart of the class."""

    scope = "partner_key_read"

    def __init__(self) -> None:  # rate is resolved per request in allow_request
        pass

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, PartnerApiKey):
            return None
        return f"throttle_{self.scope}_{request.auth.pk}_{request.auth.prefix}"

    def allow_request(self, request, view) -> bool:
        self.scope = "partner_key_read" if request.method in SAFE_METHODS else "partner_key_write"
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
