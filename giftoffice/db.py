"""Database helpers shared by the apps."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL SQLSTATEs that mean "this transaction lost a race; run it again": deadlock_detected and
# serialization_failure. Anything else is a real error.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient_conflict(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES or getattr(cause, "pgcode", None) in (
        RETRYABLE_SQLSTATES
    )


def retry_on_conflict(
    *, attempts: int = 4, base_delay: float = 0.02, using: str = DEFAULT_DB_ALIAS
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the whole decorated function again when its transaction dies of a deadlock or a
    serialization failure, at most `attempts` times in all, with a short jittered pause between tries.

    Writers take row locks in one order (ORDER BY id), so a deadlock should not happen; this is the
    bounded safety net for the ones that still do (locks taken by other code paths, index pages).
    The function must own its transaction: inside an outer atomic block a retry cannot undo the
    outer work, so there the error propagates unchanged.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except OperationalError as exc:
                    if (
                        attempt == attempts
                        or not is_transient_conflict(exc)
                        or connections[using].in_atomic_block
                    ):
                        raise
                    logger.warning(
                        "%s: transaction conflict (%s), attempt %d of %d; retrying",
                        func.__qualname__,
                        type(exc.__cause__ or exc).__name__,
                        attempt,
                        attempts,
                    )
                    time.sleep(base_delay * attempt * (1 + random.random()))
            raise AssertionError("unreachable")

        return wrapper

    return decorate


def prepared_cursor(connection: Any) -> Any:
    """A cursor for a hand-written hot statement of the partner API: prepared once per connection, and
    without Django's per-statement wrapping while nothing logs or wraps queries.

    - PostgreSQL (giftoffice.dbbackends.postgresql): bound on the server, so psycopg prepares it on its
      first run on the connection; Django's own cursors bind on the client and never prepare.
    - SQLite: its driver keeps each statement prepared already (its statement cache).
    - Django's CursorWrapper costs 0.03 ms a statement (the query log check, execute wrappers, the
      placeholder rewrite by regular expression on SQLite), six times an SQLite key lookup: HotCursor
      keeps only its translation of driver errors. Under CaptureQueriesContext, DEBUG or an execute
      wrapper, Django's cursor is used, so every statement is still logged and counted.

    The statement's parameters must be ones the server can type (no placeholder standing for an
    identifier or a bare NULL whose type nothing fixes)."""
    hot = getattr(connection, "prepared_cursor", None)
    if connection.queries_logged or connection.execute_wrappers:
        return hot() if hot is not None else connection.cursor()
    if hot is not None:
        return hot(light=True)
    if connection.vendor != "sqlite":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return HotCursor(connection, connection.connection.cursor(), convert=_sqlite_placeholders)


class HotCursor:
    """A driver cursor with Django's translation of driver errors (django.db.utils) and nothing else."""

    __slots__ = ("_connection", "_convert", "_cursor")

    def __init__(self, connection: Any, cursor: Any, *, convert: Callable[[str, Any], str] | None = None):
        self._connection, self._cursor, self._convert = connection, cursor, convert

    def execute(self, sql: str, params: Any = None) -> HotCursor:
        self._connection.validate_no_broken_transaction()
        if self._convert is not None and params is not None:
            sql = self._convert(sql, params)
        with self._connection.wrap_database_errors:
            if params is None:
                self._cursor.execute(sql)
            else:
                self._cursor.execute(sql, params)
        return self

    def fetchone(self) -> Any:
        with self._connection.wrap_database_errors:
            return self._cursor.fetchone()

    def fetchmany(self, size: int) -> list[Any]:
        with self._connection.wrap_database_errors:
            return self._cursor.fetchmany(size)

    def fetchall(self) -> list[Any]:
        with self._connection.wrap_database_errors:
            return self._cursor.fetchall()

    def close(self) -> None:
        with self._connection.wrap_database_errors:
            self._cursor.close()

    def __enter__(self) -> HotCursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@functools.lru_cache(maxsize=256)
def _sqlite_placeholders_of(sql: str, names: tuple[str, ...] | None) -> str:
    # Django's SQLiteCursorWrapper.convert_query, once per statement text and parameter names.
    if names is None:
        return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return sql % {name: f":{name}" for name in names}


def _sqlite_placeholders(sql: str, params: Any) -> str:
    return _sqlite_placeholders_of(sql, tuple(params) if isinstance(params, Mapping) else None)
