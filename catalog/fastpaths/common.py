"""Hand-written SQL shared by both databases (see catalog/fastpaths/__init__.py for the rules)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from catalog.gift_fields import DEFAULT_LANGUAGE, ID_CHUNK, TRANSLATED_FIELDS, WRITABLE_KEYS, db_column
from catalog.models import Gift, Partner, PartnerApiKey
from giftoffice.db import prepared_cursor


def locked_gift_rows(connection: Any, *, ids: list[int], keys: Iterable[str]) -> dict[int, dict[str, Any]]:
    """Current values of `keys` (plus owner and time window) of the gifts, as the database hands them
    back (datetimes on SQLite: the stored text, so rows that keep them write them back untouched; see
    services.gifts._utc()), locked for the rest of the transaction (SELECT ... FOR UPDATE where
    supported). Both update paths read through it (the ORM's `select_for_update().values()` would
    convert every datetime the update may never touch)."""
    qn = connection.ops.quote_name
    names = [
        "id",
        "owner_id",
        "start_time",
        "removal_time",
        *(k for k in keys if k not in ("start_time", "removal_time")),
    ]
    sqlite = connection.vendor == "sqlite"
    columns = []
    for name in names:
        column = qn(name if name == "owner_id" else db_column(name))
        # SQLite: read datetimes as text (the driver's converter is far slower, and they may not be needed).
        columns.append(
            f"CAST({column} AS TEXT)" if sqlite and name in ("start_time", "removal_time") else column
        )
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    current: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        for i in range(0, len(ids), ID_CHUNK):
            chunk = ids[i : i + ID_CHUNK]
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {qn(Gift._meta.db_table)} "  # noqa: S608  identifiers only
                # ORDER BY id: every writer locks rows in the same order, so two bulk updates of the
                # same gifts queue instead of deadlocking (without it, rows are locked in scan order).
                f"WHERE {qn('id')} IN ({', '.join(['%s'] * len(chunk))}) ORDER BY {qn('id')}{lock}",
                chunk,
            )
            for row in cursor.fetchall():
                current[row[0]] = dict(zip(names, row))  # noqa: B905  same length by construction
    return current


def executemany_update(
    connection: Any,
    updates: list[tuple[int, dict[str, Any]]],
    current: dict[int, dict[str, Any]],
    *,
    adapt: Callable[[datetime], Any],
) -> None:
    """One UPDATE statement run for every row (executemany), setting the union of the sent columns; a row
    that did not send a column keeps its current value (read under lock in the same transaction).

    Replaces the plain ORM `Gift.objects.bulk_update(gifts, [changed fields..., "updated_at"])`, which
    builds one CASE WHEN per column per row. Used on SQLite and PostgreSQL alike. Bench line
    "fastpath update_1000" (figures: docs/perf.md).
    """
    qn = connection.ops.quote_name
    sent_anywhere = set().union(*(values.keys() for _id, values in updates))
    sent = [key for key in WRITABLE_KEYS if key in sent_anywhere]
    base = [field for field in TRANSLATED_FIELDS if f"{field}_{DEFAULT_LANGUAGE}" in sent_anywhere]
    now = adapt(timezone.now())
    assignments = [*(db_column(k) for k in sent), *(db_column(f) for f in base), db_column("updated_at")]
    sql = (
        f"UPDATE {qn(Gift._meta.db_table)} SET "  # noqa: S608  identifiers only
        + ", ".join(f"{qn(c)} = %s" for c in assignments)
        + f" WHERE {qn(db_column('id'))} = %s"
    )
    datetimes = {"start_time", "removal_time"}
    sent_plan = [(key, key in datetimes) for key in sent]
    base_keys = [f"{field}_{DEFAULT_LANGUAGE}" for field in base]
    params_rows = []
    for gift_id, values in updates:
        state = current[gift_id]
        params = []
        for key, is_datetime in sent_plan:
            if key in values:
                value = values[key]
                params.append(adapt(value) if is_datetime else value)
            else:
                params.append(state[key])  # as read: written back unchanged
        for key in base_keys:
            params.append((values[key] if key in values else state[key]) or "")
        params += [now, gift_id]
        params_rows.append(params)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params_rows)


_KEY_FIELDS = ("id", "partner_id", "name", "prefix", "can_write", "last_used_at")
_lookup_sql: dict[tuple[str, str], str] = {}


def key_lookup_sql(connection: Any) -> str:
    """The API key lookup's SQL, built once per database (identifiers only; the hash goes in as a
    parameter).

    With key_from_row() it replaces the plain
    `PartnerApiKey.objects.select_related("partner").get(key_hash=..., revoked_at=None)`; every API
    request pays it. Bench line "fastpath key_lookup" (figures: docs/perf.md).
    """
    cache_key = (connection.alias, connection.vendor)
    sql = _lookup_sql.get(cache_key)
    if sql is None:
        qn = connection.ops.quote_name
        keys, partners = qn(PartnerApiKey._meta.db_table), qn(Partner._meta.db_table)
        columns = f"{', '.join(f'k.{qn(name)}' for name in _KEY_FIELDS)}, p.{qn('name')}"
        joined = f"{keys} k INNER JOIN {partners} p ON p.{qn('id')} = k.{qn('partner_id')}"
        matches = f"k.{qn('key_hash')} = %s AND k.{qn('revoked_at')} IS NULL"
        sql = f"SELECT {columns} FROM {joined} WHERE {matches}"  # noqa: S608
        _lookup_sql[cache_key] = sql
    return sql


def lookup_key(connection: Any, *, key_hash: str) -> PartnerApiKey | None:
    """The active key with this hash, its partner attached, or None: one prepared statement
    (key_lookup_sql) made into instances by key_from_row."""
    with prepared_cursor(connection) as cursor:
        cursor.execute(key_lookup_sql(connection), [key_hash])
        row = cursor.fetchone()
    return None if row is None else key_from_row(row, key_hash=key_hash, alias=connection.alias)


def key_from_row(row: Any, *, key_hash: str, alias: str) -> PartnerApiKey:
    """The active key (its partner attached) from a row of key_lookup_sql(), made by Model.from_db as
    the ORM makes a loaded instance (the columns not read, created_at, are deferred)."""
    key_id, partner_id, label, prefix, can_write, last_used_at, partner_name = row
    if last_used_at is not None and last_used_at.tzinfo is None:
        last_used_at = last_used_at.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    partner = Partner.from_db(alias, ["id", "name"], [partner_id, partner_name])
    # The hash matched and it is not revoked.
    api_key = PartnerApiKey.from_db(
        alias,
        ["id", "partner_id", "name", "prefix", "key_hash", "can_write", "revoked_at", "last_used_at"],
        [key_id, partner_id, label, prefix, key_hash, bool(can_write), None, last_used_at],
    )
    PartnerApiKey.partner.field.set_cached_value(api_key, partner)
    return api_key
