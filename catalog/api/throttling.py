"""Per-key rate limits: DEFAULT_THROTTLE_RATES["partner_key_read"] for GET, ["partner_key_write"] else;
and failed authentications per client address (AUTH_FAILURE_RATE). Counters are shared by every process
(catalog.services.rate_counters)."""

from __future__ import annotations

import functools
import time

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from catalog.models import PartnerApiKey
from catalog.services import rate_counters


class PartnerKeyRateThrottle(BaseThrottle):
    """Fixed-window counter per key and scope, shared by every process (rate_counters), unlike DRF's
    per-process timestamp history: each request counts once, and is admitted while the count is within
    the limit. Over the limit -> 429 with Retry-After = seconds to the next window. Rates are read per
    request, so settings changes apply immediately."""

    timer = time.time

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, PartnerApiKey):
            return True
        scope = "partner_key_read" if request.method in SAFE_METHODS else "partner_key_write"
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if not rate:
            return True
        limit, duration = parse_rate(rate)
        counted = rate_counters.hit(f"{scope}:{request.auth.pk}", duration=duration, now=self.timer())
        self._wait = counted.wait
        return counted.count <= limit

    def wait(self) -> float:
        return rate_counters.wait_seconds(self._wait)


@functools.lru_cache(maxsize=32)
def parse_rate(rate: str) -> tuple[int, int]:
    return SimpleRateThrottle.parse_rate(None, rate)


def auth_failures_exceeded(address: str) -> int | None:
    """Seconds to wait when `address` has used up its failed authentications this window, else None."""
    if not settings.AUTH_FAILURE_RATE:
        return None
    limit, duration = parse_rate(settings.AUTH_FAILURE_RATE)
    seen = rate_counters.peek(auth_failure_key(address), duration=duration)
    return rate_counters.wait_seconds(seen.wait) if seen.count >= limit else None


def auth_failure_key(address: str) -> str:
    return f"auth_failure:{address}"


def record_auth_failure(address: str) -> None:
    if settings.AUTH_FAILURE_RATE:
        _limit, duration = parse_rate(settings.AUTH_FAILURE_RATE)
        rate_counters.hit(auth_failure_key(address), duration=duration)
