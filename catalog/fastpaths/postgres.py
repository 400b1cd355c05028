"""PostgreSQL fast paths (see catalog/fastpaths/__init__.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def copy_insert(
    connection: Any, *, table: str, pk: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert rows with COPY; their new ids, in input order. Runs inside the caller's transaction.

    Replaces the plain `Gift.objects.bulk_create(gifts)` (services.gifts._insert_rows_plain): model
    instances, then one multi-row `INSERT ... RETURNING` with a placeholder per value (28,000 for 1,000
    gifts), which psycopg rewrites and the server parses again on every call. COPY returns no ids, so
    they are taken from the column's sequence first, in one
    query; nextval() never hands the same value twice, so concurrent inserts cannot collide.
    Bench lines "fastpath insert_1000" and "bulk_create" of `make bench-postgres` (figures: docs/perf.md).

    `table`, `pk` and `columns` are quoted identifiers.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table.strip('"'), pk.strip('"'), len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(f"COPY {table} ({pk}, {', '.join(columns)}) FROM STDIN") as copy:
            for gift_id, row in zip(ids, rows, strict=True):
                copy.write_row((gift_id, *row))
        return ids
