"""Django's PostgreSQL backend with two additions for the partner API's hot path, through the backend's
public hooks only.

- The persistent connection's health check is skipped while it is hot. With `CONN_HEALTH_CHECKS` Django
  sends `SELECT 1` before the first query of every request, so a connection the server dropped (a
  restart, an idle timeout) is replaced instead of failing the request. A connection that ran a
  statement less than `CONN_HEALTH_CHECK_DELAY` seconds ago (1 s by default) was alive then, and a drop
  since is as likely as one between the check and the query: checking it costs a round trip on every
  request of a busy worker and protects nothing more. Such a connection is only checked locally
  (psycopg marks a connection it saw fail as broken). PgBouncer does the same with `server_check_delay`.
- `prepared_cursor()`: a cursor binding its parameters on the server, so psycopg can prepare its
  statements (Django's own cursors bind on the client, which can never be prepared). Only the
  hand-written hot statements use it; the ORM keeps Django's cursors. psycopg prepares a statement once
  it ran `prepare_threshold` times on a connection: the settings pass `prepare_threshold=0` in the
  connection's OPTIONS (first run) while `DB_PREPARED_STATEMENTS` is on; client-bound cursors are
  unaffected by it. `DB_PREPARED_STATEMENTS=0` turns both off, for a pooler that cannot keep prepared
  statements (PgBouncer in transaction mode before 1.21, or without `max_prepared_statements`).
"""

from __future__ import annotations

import time

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


class DatabaseOperations(base.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # Django reads the client-bound text off its own cursors; a server-bound one holds "$1"
        # placeholders, so the query log (DEBUG, CaptureQueriesContext) shows the statement with its
        # values inlined.
        if isinstance(cursor, base.ServerBindingCursor):
            try:
                return self.compose_sql(sql, params)
            except Exception:  # a value the client cannot inline: the statement as written
                return sql
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    used_at: float | None = None  # monotonic time a cursor was last opened on this connection

    def close_if_health_check_failed(self) -> None:
        # Django calls this before opening every cursor, so it is also where the last use is noted.
        now = time.monotonic()
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.used_at is not None
            and now - self.used_at < settings.CONN_HEALTH_CHECK_DELAY
        ):
            if self.connection.closed or self.connection.broken:
                self.close()
            self.health_check_done = True
        else:
            super().close_if_health_check_failed()
        self.used_at = now

    def connect(self) -> None:
        super().connect()
        self.used_at = time.monotonic()  # a new connection is alive

    def prepared_cursor(self):
        """Django's cursor wrapper (errors, query log) around a server-binding psycopg cursor; plain
        `cursor()` when prepared statements are turned off."""
        if not settings.DB_PREPARED_STATEMENTS:
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        self.validate_thread_sharing()
        with self.wrap_database_errors:
            cursor = base.ServerBindingCursor(self.connection)
            # As Django does for its own cursors: the connection's time zone where psycopg's disagrees.
            tzloader = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != tzloader.timezone:
                register_tzloader(self.timezone, cursor)
        return self.make_debug_cursor(cursor) if self.queries_logged else self.make_cursor(cursor)
