"""Fixed-window rate counters that every process of the deployment shares: one counter per key and window,
written once per counted event.

- `REDIS_URL` set: Redis, `INCR` and `EXPIRE` in one MULTI, on a key that names its window.
- Otherwise the `catalog_ratecounter` table through Django's connection: one
  `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per event (`giftoffice.rows.count_in_window`), a
  row lock on one key and nothing wider.
  The partner API's views run outside any request-wide transaction (catalog.api.views), so a counter
  commits as it counts and is never rolled back with a failed request. On PostgreSQL the table is
  unlogged (migration 0024), so that commit waits for no WAL flush.

A process-local cache would let each gunicorn worker count alone: N workers, N times the rate.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import redis
from django.conf import settings

from catalog.models import RateCounter
from giftoffice.rows import count_in_window

_REDIS_PREFIX = "giftoffice:rate:"


@dataclass(frozen=True)
class Hit:
    count: int
    wait: float  # seconds until the window ends


def _window(duration: int, now: float) -> tuple[int, float]:
    number = int(now // duration)
    return number, (number + 1) * duration - now


@functools.cache
def _redis(url: str) -> redis.Redis:
    # redis-py's pool is thread-safe and opens new connections in a forked worker.
    return redis.Redis.from_url(url)


def hit(key: str, *, duration: int, now: float | None = None) -> Hit:
    """Count one event for `key` in the current window of `duration` seconds; the count so far."""
    now = time.time() if now is None else now
    number, wait = _window(duration, now)
    if settings.REDIS_URL:
        name = f"{_REDIS_PREFIX}{key}:{number}"
        with _redis(settings.REDIS_URL).pipeline(transaction=True) as pipe:
            pipe.incr(name)
            # Renewed on every hit rather than set once (NX, Redis 7+): the key is only ever read in its
            # own window, so a later expiry costs nothing, and any Redis version will do.
            pipe.expire(name, duration + 1)
            count, _expiry_set = pipe.execute()
        return Hit(count, wait)
    count = count_in_window(RateCounter, key=key, window=number, expires_at=(number + 1) * duration)
    if count == 1:
        # A new window for this key: drop counters whose window ended (a bounded table; once per key
        # and window, so a few statements a minute).
        RateCounter.objects.filter(expires_at__lt=now - 1).delete()
    return Hit(count, wait)


def peek(key: str, *, duration: int, now: float | None = None) -> Hit:
    """The count of `key` in the current window, without counting."""
    now = time.time() if now is None else now
    number, wait = _window(duration, now)
    if settings.REDIS_URL:
        return Hit(int(_redis(settings.REDIS_URL).get(f"{_REDIS_PREFIX}{key}:{number}") or 0), wait)
    counts = RateCounter.objects.filter(counter_key=key, window_no=number).values_list("count", flat=True)
    return Hit(next(iter(counts), 0), wait)


def reset() -> None:
    """Forget every counter (tests)."""
    if settings.REDIS_URL:
        client = _redis(settings.REDIS_URL)
        for name in client.scan_iter(match=f"{_REDIS_PREFIX}*", count=1000):
            client.delete(name)
    else:
        RateCounter.objects.all().delete()


def wait_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
