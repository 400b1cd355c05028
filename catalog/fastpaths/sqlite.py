"""SQLite fast paths (see catalog/fastpaths/__init__.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def json_object_sql(keys: Sequence[str], parts: Sequence[str]) -> str:
    """SQLite's json_object() over the wire expressions (the last one a boolean): one JSON object per
    row, written by the database. Its string escaping is exactly orjson's (tests/api/test_fast_paths.py
    holds every serializer to the same bytes).

    Replaces, per row, the plain path still used where the database does not write the JSON: the same
    columns fetched into Python, zipped into dicts and dumped by orjson (gift_wire._wire_dicts).
    Bench line "fastpath list_json" of `make bench` (figures: docs/perf.md).
    """
    parts = [*parts[:-1], f"CASE WHEN {parts[-1]} THEN json('true') ELSE json('false') END"]
    pairs = ", ".join(f"'{key}', {part}" for key, part in zip(keys, parts, strict=True))
    return f"json_object({pairs})"


def executemany_insert(
    connection: Any, *, table: str, pk: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert rows with one executemany; their new ids, in input order. Runs inside the caller's
    transaction, which must hold SQLite's write lock (BEGIN IMMEDIATE, settings.py): AUTOINCREMENT ids
    only grow, so the new ids are exactly those above the previous maximum.

    Replaces the plain `Gift.objects.bulk_create(gifts)` (services.gifts._insert_rows_plain: model
    instances, then multi-row INSERTs of at most 999 parameters, about 35 rows each).
    Bench line "fastpath insert_1000" of `make bench` (figures: docs/perf.md). `table`, `pk` and
    `columns` are quoted identifiers.
    """
    assert connection.in_atomic_block, "the new ids are read back under the write lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({pk}) FROM {table}", None)  # noqa: S608
        (before,) = cursor.fetchone()
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)  # noqa: S608
        new_ids = f"SELECT {pk} FROM {table} WHERE {pk} > %(before)s ORDER BY {pk}"  # noqa: S608
        cursor.execute(new_ids, {"before": before or 0})
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) != len(rows):
            raise RuntimeError(f"Inserted {len(rows)} gifts but found {len(ids)} new ids.")
        return ids
