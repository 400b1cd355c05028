"""Django's PostgreSQL backend, with the persistent connection's health check skipped while it is hot.

With `CONN_HEALTH_CHECKS` Django sends `SELECT 1` before the first query of every request, so a
connection the server dropped (a restart, an idle timeout) is replaced instead of failing the request.
A connection that ran a statement less than `CONN_HEALTH_CHECK_DELAY` seconds ago (1 s by default) was
alive then, and a drop since is as likely as one between the check and the query: checking it costs a
round trip on every request of a busy worker (a fifth of a page of 100 gifts, `make bench` list_100)
and protects nothing more. Such a connection is only checked locally (psycopg marks a connection it
saw fail as broken). PgBouncer does the same with `server_check_delay` (30 s by default).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    _used_at: float | None = None  # monotonic time of the last cursor opened on this connection

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self._used_at is not None
            and time.monotonic() - self._used_at < settings.CONN_HEALTH_CHECK_DELAY
        ):
            if self.connection.closed or self.connection.broken:
                self.close()
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        self._used_at = time.monotonic()
        return cursor

    def connect(self) -> None:
        super().connect()
        self._used_at = None
