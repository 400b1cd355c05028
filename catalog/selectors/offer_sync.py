"""The offer sync's read of the whole offer table, in plain SQL (docs/perf.md, "Where hand SQL runs")."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from catalog.models import Offer


def offer_rows(*, fields: Sequence[str]) -> list[tuple]:
    """Every offer as (pk, offer_group_id, removed?, *fields), the values as the driver hands them back.

    One plain SELECT: the ORM's per-value converters (`Offer.objects.values_list(...)`) cost more than
    the rest of an unchanged sync. Names come from the model; there are no values.
    """
    meta = Offer._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    columns = ", ".join(column(name) for name in fields)
    sql = (
        f"SELECT {quote(meta.pk.column)}, {column('offer_group_id')}, {column('removed_at')} IS NOT NULL, "  # noqa: S608 (names from the model)
        f"{columns} FROM {quote(meta.db_table)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()
