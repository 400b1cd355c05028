"""Per-key rate limits: DEFAULT_THROTTLE_RATES["partner_key_read"] for GET, ["partner_key_write"] else."""

from __future__ import annotations

import functools
import math
import time

from django.core.cache import cache
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from catalog.models import PartnerApiKey


class PartnerKeyRateThrottle(BaseThrottle):
    """Fixed-window counter per key and scope: O(1) per request (one cache call, atomic on Redis),
    unlike DRF's timestamp history. Over the limit -> 429 with Retry-After = seconds to the next window.
    Rates are read per request, so settings changes apply immediately."""

    timer = time.time

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, PartnerApiKey):
            return True
        scope = "partner_key_read" if request.method in SAFE_METHODS else "partner_key_write"
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if not rate:
            return True
        limit, duration = _parse_rate(rate)
        now = self.timer()
        window = int(now // duration)
        key = f"throttle:{scope}:{request.auth.pk}:{request.auth.prefix}:{window}"
        try:  # the window's counter usually exists: one cache call
            count = cache.incr(key)
        except ValueError:  # first request of the window (or the counter just expired)
            count = 1 if cache.add(key, 1, timeout=duration + 1) else _incr_or_start(key, duration + 1)
        self._wait = (window + 1) * duration - now
        return count <= limit

    def wait(self) -> float:
        return max(1, math.ceil(self._wait))


@functools.lru_cache(maxsize=32)
def _parse_rate(rate: str) -> tuple[int, int]:
    return SimpleRateThrottle.parse_rate(None, rate)


def _incr_or_start(key: str, timeout: int) -> int:
    """A concurrent request created the counter between our incr and add: count on it."""
    try:
        return cache.incr(key)
    except ValueError:  # and it expired already
        cache.set(key, 1, timeout=timeout)
        return 1
