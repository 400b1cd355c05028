"""Django's PostgreSQL backend with two changes for the partner API's hot path.

- The persistent connection's health check is skipped while it is hot. With `CONN_HEALTH_CHECKS` Django
  sends `SELECT 1` before the first query of every request, so a connection the server dropped (a
  restart, an idle timeout) is replaced instead of failing the request. A connection that ran a
  statement less than `CONN_HEALTH_CHECK_DELAY` seconds ago (1 s by default) was alive then, and a drop
  since is as likely as one between the check and the query: checking it costs a round trip on every
  request of a busy worker (a fifth of a page of 100 gifts, `make bench` list_100) and protects nothing
  more. Such a connection is only checked locally (psycopg marks a connection it saw fail as broken).
  PgBouncer does the same with `server_check_delay` (30 s by default).
- `prepared_cursor()`: a cursor whose statements the server parses and plans once per connection
  (server-side binding, prepared on first use). Django's own cursors bind on the client, which can never
  be prepared: the key lookup and a page of 100 gifts spent a third of their database time being parsed
  and planned again on every request (`make bench-postgres` list_100). Only the hand-written hot
  statements use it (their SQL is written for server-side binding); the ORM keeps Django's cursors.
  `DB_PREPARED_STATEMENTS=0` turns it off, for a pooler that cannot keep prepared statements (PgBouncer
  in transaction mode before 1.21, or without `max_prepared_statements`).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe

from giftoffice.db import HotCursor


class DatabaseOperations(base.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # Django reads the client-bound text off its own cursors; a prepared one holds "$1" placeholders,
        # so the query log (DEBUG, CaptureQueriesContext) shows the statement with its values inlined.
        if isinstance(cursor, base.ServerBindingCursor):
            try:
                return self.compose_sql(sql, params)
            except Exception:  # a value the client cannot inline: the statement as written
                return sql
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _used_at: float | None = None  # monotonic time of the last cursor opened on this connection
    _binding_on_server = False  # set while prepared_cursor() opens its cursor

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

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if settings.DB_PREPARED_STATEMENTS and connection.prepare_threshold is None:
            # Django's cursors never prepare (client-side binding), so this reaches prepared_cursor() only.
            connection.prepare_threshold = 0
        return connection

    def prepared_cursor(self, *, light: bool = False):
        """A cursor binding on the server, where psycopg prepares each statement on its first run on this
        connection: Django's wrapper (errors, query log), or with `light` a giftoffice.db.HotCursor.
        Plain `cursor()` when turned off."""
        if not settings.DB_PREPARED_STATEMENTS:
            return self.cursor()
        if light:
            self.close_if_health_check_failed()
            self.ensure_connection()
            self._used_at = time.monotonic()
            with self.wrap_database_errors:
                return HotCursor(self, self._server_binding_cursor())
        self._binding_on_server = True
        try:
            return self.cursor()
        finally:
            self._binding_on_server = False

    @async_unsafe
    def create_cursor(self, name=None):
        if name or not self._binding_on_server:
            return super().create_cursor(name)
        return self._server_binding_cursor()

    def _server_binding_cursor(self):
        cursor = base.ServerBindingCursor(self.connection)
        # As Django's create_cursor: the connection's time zone on the cursor where they disagree.
        tzloader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
        if self.timezone != tzloader.timezone:
            base.register_tzloader(self.timezone, cursor)
        return cursor
