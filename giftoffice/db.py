"""Database helpers shared by the apps."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

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


def advisory_xact_lock(connection: Any, *, key: int) -> None:
    """PostgreSQL: wait for the transaction-scoped advisory lock `key`, held until the transaction ends
    (one writer at a time for work no row lock covers, such as planning a whole catalog sync)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def prepared_cursor(connection: Any) -> Any:
    """A cursor for a hand-written hot statement of the partner API.

    On PostgreSQL (giftoffice.dbbackends.postgresql) it binds on the server, so psycopg prepares the
    statement once per connection; elsewhere, and with `DB_PREPARED_STATEMENTS=0`, Django's own cursor.
    Either way it is Django's cursor wrapper: errors translated, every statement logged and counted.

    The statement's parameters must be ones the server can type (no placeholder standing for an
    identifier or a bare NULL whose type nothing fixes)."""
    hot = getattr(connection, "prepared_cursor", None)
    return hot() if hot is not None else connection.cursor()
