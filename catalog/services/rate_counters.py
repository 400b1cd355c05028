"""Fixed-window rate counters that every process of the deployment shares, with nothing to install.

- `REDIS_URL` set: the cache (Redis `INCR` is atomic and shared).
- PostgreSQL: the `catalog_ratecounter` table, one atomic `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`
  per hit (a row lock on one key, nothing wider), on a connection of its own in autocommit: a counter
  is never part of, nor rolled back with, the request's transaction.
- SQLite: the same table and statement in a side file next to the database (`<db>-ratelimits`), so
  counting a read never waits for, or takes, the catalog database's write lock.

A process-local cache (the old default) let each gunicorn worker count alone: N workers, N times the rate.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from catalog.models import RateCounter

_TABLE = RateCounter._meta.db_table
_HIT_SQL = (
    f"INSERT INTO {_TABLE} (counter_key, window_no, count, expires_at) VALUES (%s, %s, %s, %s) "  # noqa: S608
    f"ON CONFLICT (counter_key) DO UPDATE SET count = CASE WHEN {_TABLE}.window_no = excluded.window_no "
    f"THEN {_TABLE}.count + excluded.count ELSE excluded.count END, "
    f"window_no = excluded.window_no, expires_at = excluded.expires_at RETURNING count"
)
_PEEK_SQL = f"SELECT count FROM {_TABLE} WHERE counter_key = %s AND window_no = %s"  # noqa: S608
_FOLDED_PEEK_SQL = f"({_PEEK_SQL})"
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


class _OwnConnection:
    """One counter connection per process (a forked worker opens its own), shared by its threads under
    a lock: a statement takes a fraction of a millisecond, and a connection per thread would double the
    database connections of a threaded server."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.target: str | None = None
        self.connection: Any = None


_own = _OwnConnection()


def side_file_path() -> str:
    name = str(connections["default"].settings_dict["NAME"])
    return settings.RATE_LIMIT_SQLITE_PATH or f"{name}-ratelimits"


def _open_sqlite(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(_SIDE_SCHEMA)
    return connection


def _open_postgres(db: dict) -> Any:
    import psycopg  # the PostgreSQL driver is only needed (and only imported) with PostgreSQL

    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k in ("sslmode", "sslrootcert")}
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
        connect_timeout=5,
        # A hit commits a write: with synchronous_commit on, every API request would wait for a WAL
        # flush to disk (10+ ms on the bench machine, most of a page of 100). A counter lost to a
        # server crash in the last moments only resets a window; nothing else runs on this connection.
        options="-c synchronous_commit=off",
        **options,
    )


def _own_connection(backend: str) -> Any:
    db = connections["default"].settings_dict
    target = side_file_path() if backend == "sqlite" else f"{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if _own.connection is None or _own.pid != os.getpid() or _own.target != target:
        opener: Callable[[], Any] = (
            (lambda: _open_sqlite(target)) if backend == "sqlite" else (lambda: _open_postgres(db))
        )
        _own.connection, _own.pid, _own.target = opener(), os.getpid(), target
    return _own.connection


def _backend() -> str:
    if settings.REDIS_URL:
        return "cache"
    return "sqlite" if connections["default"].vendor == "sqlite" else "database"


_SQLITE_SQL = {sql: sql.replace("%s", "?") for sql in (_HIT_SQL, _PEEK_SQL, _PURGE_SQL)}


def _execute(sql: str, params: list, *, fetch: bool, backend: str) -> int | None:
    if backend == "sqlite":
        sql = _SQLITE_SQL.get(sql) or sql.replace("%s", "?")
    with _own.lock:
        for attempt in (1, 2):
            connection = _own_connection(backend)
            try:
                cursor = connection.execute(sql, params)
                row = cursor.fetchone() if fetch else None
                return row[0] if row else None
            except Exception:
                # A dropped connection (database restart): open a new one and try once more.
                _own.connection = None
                with contextlib.suppress(Exception):
                    connection.close()
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")


def close() -> None:
    """Close this process's counter connection (tests, before their database is dropped)."""
    with _own.lock:
        if _own.connection is not None:
            with contextlib.suppress(Exception):
                _own.connection.close()
        _own.connection = None


def hit(key: str, *, duration: int, now: float | None = None, amount: int = 1) -> Hit:
    """Count `amount` events for `key` in the current window of `duration` seconds; the count so far."""
    now = time.time() if now is None else now
    number, wait = _window(duration, now)
    backend = _backend()
    if backend == "cache":
        cache_key = f"rate:{key}:{number}"
        if cache.add(cache_key, amount, timeout=duration + 1):
            return Hit(amount, wait)
        try:
            return Hit(cache.incr(cache_key, amount), wait)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, amount, timeout=duration + 1)
            return Hit(amount, wait)
    params = [key, number, amount, (number + 1) * duration]
    count = _execute(_HIT_SQL, params, fetch=True, backend=backend) or amount
    if count == amount:
        # A new window for this key: drop counters whose window ended (bounded table; once per key and
        # window, so a few statements a minute).
        _execute(_PURGE_SQL, [now - 1], fetch=False, backend=backend)
    return Hit(count, wait)


class Leases:
    """Request budgets taken from a shared counter a few slots at a time (one process's share).

    A limited request needs a slot numbered 1..limit in its key's window. Asking the shared counter for
    every request costs a round trip and a committed write per request (a seventh of a page of 100 gifts
    on PostgreSQL, `make bench-postgres` list_100); this takes up to `lease_size(limit)` consecutive
    slots in one hit and hands them out locally. No slot is handed out twice and none above the limit,
    so every process together never admits more than the limit. The cost is the other way: slots a
    process took and did not use before the window ended are lost, so with several processes a key may
    be refused a little before its limit. Leases shrink as the window's budget runs low (an eighth of
    what is left at most, one slot near the end) to keep that small. Once a hit shows the window used
    up, the process refuses that key locally until the window ends: a fixed window's count only grows.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, tuple[int, int, int]] = {}  # key -> (window, next slot, last slot)

    def take(self, key: str, *, limit: int, duration: int, now: float | None = None) -> Hit:
        """A slot for one request of `key`: Hit.count is its number (admitted when <= limit)."""
        now = time.time() if now is None else now
        number, wait = _window(duration, now)
        with self._lock:
            window, next_slot, last_slot = self._by_key.get(key, (number, 1, 0))
            if window != number:
                next_slot, last_slot = 1, 0
            if next_slot <= last_slot:
                self._by_key[key] = (number, next_slot + 1, last_slot)
                return Hit(next_slot, wait)
            if last_slot >= limit:  # this window is used up, everywhere
                return Hit(last_slot + 1, wait)
        size = lease_size(limit, used=last_slot)
        count = hit(key, duration=duration, now=now, amount=size).count
        with self._lock:
            if len(self._by_key) > 10_000:  # keys of ended windows
                self._by_key = {k: v for k, v in self._by_key.items() if v[0] == number}
            self._by_key[key] = (number, count - size + 2, count)
        return Hit(count - size + 1, wait)

    def clear(self) -> None:
        with self._lock:
            self._by_key.clear()


def lease_size(limit: int, *, used: int) -> int:
    """Slots to take at once: a hundredth of the limit (at most 32), and at most an eighth of what this
    process last saw left in the window."""
    return max(1, min(32, limit // 100, (limit - used) // 8))


leases = Leases()


def peek(key: str, *, duration: int, now: float | None = None) -> Hit:
    """The count of `key` in the current window, without counting."""
    now = time.time() if now is None else now
    number, wait = _window(duration, now)
    backend = _backend()
    if backend == "cache":
        return Hit(cache.get(f"rate:{key}:{number}", 0), wait)
    return Hit(_execute(_PEEK_SQL, [key, number], fetch=True, backend=backend) or 0, wait)


@dataclass(frozen=True)
class FoldedPeek:
    """peek() as a scalar subquery for a statement the caller sends anyway on the default connection."""

    sql: str
    params: list
    wait: float


def folded_peek(key: str, *, duration: int, now: float | None = None) -> FoldedPeek | None:
    """With the counters in the default database (PostgreSQL), `key`'s count as a subquery the caller
    folds into its own statement: one round trip fewer than peek() on the counter connection (bench
    list_100, docs/perf.md). None with the cache or the SQLite side file: call peek()."""
    if _backend() != "database":
        return None
    now = time.time() if now is None else now
    number, wait = _window(duration, now)
    return FoldedPeek(_FOLDED_PEEK_SQL, [key, number], wait)


def reset() -> None:
    """Forget every counter (tests)."""
    leases.clear()
    backend = _backend()
    if backend == "cache":
        cache.clear()
    else:
        _execute(f"DELETE FROM {_TABLE}", [], fetch=False, backend=backend)  # noqa: S608


def wait_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
