"""Fixed-window rate counters that every process of the deployment shares, with nothing to install.

- `REDIS_URL` set: the cache (Redis `INCR` is atomic and shared).
- PostgreSQL: the `catalog_ratecounter` table, one atomic `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`
  per hit (a row lock on one key, nothing wider).
- SQLite: the same table and statement in a side file next to the database (`<db>-ratelimits`), so
  counting a read never waits for, or takes, the catalog database's write lock.

A process-local cache (the old default) let each gunicorn worker count alone: N workers, N times the rate.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from catalog.models import RateCounter

_TABLE = RateCounter._meta.db_table
_HIT_SQL = (
    f"INSERT INTO {_TABLE} (counter_key, window_no, count, expires_at) VALUES (%s, %s, 1, %s) "  # noqa: S608
    f"ON CONFLICT (counter_key) DO UPDATE SET "
    f"count = CASE WHEN {_TABLE}.window_no = excluded.window_no THEN {_TABLE}.count + 1 ELSE 1 END, "
    f"window_no = excluded.window_no, expires_at = excluded.expires_at RETURNING count"
)
_PEEK_SQL = f"SELECT count FROM {_TABLE} WHERE counter_key = %s AND window_no = %s"  # noqa: S608
_PURGE_SQL = f"DELETE FROM {_TABLE} WHERE expires_at < %s"  # noqa: S608
_SIDE_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {_TABLE} (counter_key varchar(200) PRIMARY KEY, "
    "window_no bigint NOT NULL, count integer NOT NULL, expires_at real NOT NULL); "
    f"CREATE INDEX IF NOT EXISTS {_TABLE}_expires ON {_TABLE} (expires_at);"
)


@dataclass(frozen=True)
class Hit:
    count: int
    wait: float  # seconds until the window ends


def _window(duration: int, now: float) -> tuple[int, float]:
    number = int(now // duration)
    return number, (number + 1) * duration - now


class _SideFile(threading.local):
    """One sqlite3 connection per thread (and per process: a forked worker opens its own)."""

    pid: int | None = None
    path: str | None = None
    connection: sqlite3.Connection | None = None


_side = _SideFile()


def side_file_path() -> str:
    name = str(connections["default"].settings_dict["NAME"])
    return settings.RATE_LIMIT_SQLITE_PATH or f"{name}-ratelimits"


def _side_connection() -> sqlite3.Connection:
    path = side_file_path()
    if _side.connection is None or _side.pid != os.getpid() or _side.path != path:
        connection = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(_SIDE_SCHEMA)
        _side.connection, _side.pid, _side.path = connection, os.getpid(), path
    return _side.connection


def _backend() -> str:
    if settings.REDIS_URL:
        return "cache"
    return "sqlite" if connections["default"].vendor == "sqlite" else "database"


def _execute(sql: str, params: list, *, fetch: bool) -> int | None:
    if _backend() == "sqlite":
        cursor = _side_connection().execute(sql.replace("%s", "?"), params)
        row = cursor.fetchone() if fetch else None
        return row[0] if row else None
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone() if fetch else None
    return row[0] if row else None


def hit(key: str, *, duration: int, now: float | None = None) -> Hit:
    """Count one event for `key` in the current window of `duration` seconds; the count so far."""
    now = time.time() if now is None else now
    number, wait = _window(duration, now)
    if _backend() == "cache":
        cache_key = f"rate:{key}:{number}"
        if cache.add(cache_key, 1, timeout=duration + 1):
            return Hit(1, wait)
        try:
            return Hit(cache.incr(cache_key), wait)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=duration + 1)
            return Hit(1, wait)
    count = _execute(_HIT_SQL, [key, number, (number + 1) * duration], fetch=True) or 1
    if count == 1:
        # A new window for this key: drop counters whose window ended (bounded table; once per key and
        # window, so a few statements a minute).
        _execute(_PURGE_SQL, [now - 1], fetch=False)
    return Hit(count, wait)


def peek(key: str, *, duration: int, now: float | None = None) -> Hit:
    """The count of `key` in the current window, without counting."""
    now = time.time() if now is None else now
    number, wait = _window(duration, now)
    if _backend() == "cache":
        return Hit(cache.get(f"rate:{key}:{number}", 0), wait)
    return Hit(_execute(_PEEK_SQL, [key, number], fetch=True) or 0, wait)


def reset() -> None:
    """Forget every counter (tests)."""
    if _backend() == "cache":
        cache.clear()
    elif _backend() == "sqlite":
        _side_connection().execute(f"DELETE FROM {_TABLE}")  # noqa: S608
    else:
        RateCounter.objects.all().delete()


def wait_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
