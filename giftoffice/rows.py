"""One-row INSERTs and UPDATEs whose SQL is built once per model and shape, for the purchase hot paths.

A send writes a handful of single rows (the claim's event, the move, its event, the sale's completion,
the report). Through the ORM each costs its query compilation (`Model.objects.create`,
`QuerySet.filter(...).update(...)`), several times the statement itself; `make bench`
(bench/purchases.py) times a send against a bare HTTP loop, and those compilations were most of our
side (figures: docs/perf.md). Here the SQL text of each (model, columns) shape is built once
from the model's metadata and cached; every value still goes through its field's own `pre_save` and
`get_db_prep_save`, exactly the conversions the ORM's compilers apply (JSON, Decimal, datetimes,
encrypted fields, foreign keys), so the row stored is the row `save()` would store. Nothing here
sends model signals: no business flow hangs on them (docs/architecture.md).

The plain ORM calls they replace are named at each function; tests/core/test_rows.py checks both store
the same rows on SQLite and PostgreSQL.

This is also where the rest of our DML built from model metadata lives (docs/perf.md, "Where hand SQL
runs"): the claim's UPDATE ... RETURNING, the sale completion's conditional UPDATE, the rate counter's
UPSERT ... RETURNING, and the offer sync's executemany batches. Table and column names always come
from the model, values are always bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

__all__ = [
    "count_in_window",
    "insert",
    "insert_many",
    "update_many",
    "update_returning",
    "update_unless_related",
    "update_where",
]

M = TypeVar("M", bound=Model)


def insert(obj: M, *, using: str = DEFAULT_DB_ALIAS) -> M:
    """Store a new instance, as `obj.save(force_insert=True)` (or `Model.objects.create(...)`) does
    without its signals: defaults and `auto_now_add` applied, the primary key read back."""
    connection = connections[using]
    if not connection.features.can_return_columns_from_insert:
        obj.save(force_insert=True, using=using)
        return obj
    meta = obj._meta
    auto = meta.auto_field
    fields = [
        f
        for f in meta.concrete_fields
        if not f.generated and (f is not auto or getattr(obj, f.attname) is not None)
    ]
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    key = ("insert", connection.vendor, meta.label, tuple(f.column for f in fields))
    sql = _SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 (names from the model, values bound)
        if auto is not None:
            sql += f" RETURNING {quote(auto.column)}"
        _SQL[key] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if auto is not None:
            setattr(obj, auto.attname, cursor.fetchone()[0])
    obj._state.adding = False
    obj._state.db = using
    return obj


def update_where(
    model: type[Model], *, where: Mapping[str, Any], values: Mapping[str, Any], using: str = DEFAULT_DB_ALIAS
) -> int:
    """`model.objects.filter(**where).update(**values)` for plain equality filters on concrete fields
    (`pk` allowed; None matches NULL) and plain values (no expressions): the number of rows changed."""
    connection = connections[using]
    meta = model._meta
    where_fields = [meta.pk if name == "pk" else meta.get_field(name) for name in where]
    set_fields = [meta.get_field(name) for name in values]
    params = [f.get_db_prep_save(v, connection) for f, v in zip(set_fields, values.values(), strict=True)]
    params += [
        f.get_db_prep_value(v, connection)
        for f, v in zip(where_fields, where.values(), strict=True)
        if v is not None
    ]
    is_null = tuple(v is None for v in where.values())
    key = (
        "update",
        connection.vendor,
        meta.label,
        tuple(f.column for f in set_fields),
        tuple(f.column for f in where_fields),
        is_null,
    )
    sql = _SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in set_fields)
        conditions = " AND ".join(
            f"{quote(f.column)} IS NULL" if null else f"{quote(f.column)} = %s"
            for f, null in zip(where_fields, is_null, strict=True)
        )
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {conditions}"  # noqa: S608 (names from the model, values bound)
        _SQL[key] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _column(model: type[Model], name: str, quote: Any) -> str:
    meta = model._meta
    return quote((meta.pk if name == "pk" else meta.get_field(name)).column)


def update_returning(
    model: type[Model],
    *,
    where: Mapping[str, Any],
    values: Mapping[str, Any],
    increment: Sequence[str] = (),
    returning: Sequence[str],
    using: str = DEFAULT_DB_ALIAS,
) -> tuple[Any, ...] | None:
    """`UPDATE ... SET values, each of increment = itself + 1 WHERE where RETURNING returning`: the
    returned columns of the row changed, or None when no row matched (plain equality filters, no NULL).

    The compare-and-set of a claim: the values another writer may have raised are read in the same
    statement instead of a second SELECT (PostgreSQL; SQLite 3.35 and later). The ORM's form,
    `filter(**where).update(**values, n=F("n") + 1)` then a `values_list(...)` read, takes two
    statements and leaves a window between them.
    """
    connection = connections[using]
    meta = model._meta
    quote = connection.ops.quote_name
    set_fields = [meta.get_field(name) for name in values]
    where_fields = [meta.pk if name == "pk" else meta.get_field(name) for name in where]
    shape = tuple(map(tuple, (values, increment, where, returning)))
    key = ("update_returning", connection.vendor, meta.label, shape)
    sql = _SQL.get(key)
    if sql is None:
        assignments = [f"{quote(f.column)} = %s" for f in set_fields]
        assignments += [f"{c} = {c} + 1" for c in (_column(model, name, quote) for name in increment)]
        conditions = " AND ".join(f"{quote(f.column)} = %s" for f in where_fields)
        returned = ", ".join(_column(model, name, quote) for name in returning)
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "  # noqa: S608 (names from the model, values bound)
            f"WHERE {conditions} RETURNING {returned}"
        )
        _SQL[key] = sql
    params = [f.get_db_prep_save(v, connection) for f, v in zip(set_fields, values.values(), strict=True)]
    params += [f.get_db_prep_value(v, connection) for f, v in zip(where_fields, where.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else tuple(row)


def update_unless_related(
    model: type[Model],
    *,
    pk: Any,
    unset: str,
    value: Any,
    related: type[Model],
    link: str,
    but: Any,
    using: str = DEFAULT_DB_ALIAS,
) -> bool:
    """Set the row's `unset` column to `value` iff it is NULL and no row of `related` points at it
    through `link` but the one whose pk is `but`, in one statement; True when the row changed.

    The sale completion of a single order: the ORM's form,
    `model.objects.filter(pk=pk, **{f"{unset}__isnull": True}).exclude(Exists(related.objects.filter(
    **{link: OuterRef("pk")}).exclude(pk=but))).update(**{unset: value})`, costs more to compile than to
    run (bench/purchases.py: one per send).
    """
    connection = connections[using]
    meta, other = model._meta, related._meta
    key = ("update_unless_related", connection.vendor, meta.label, unset, other.label, link)
    sql = _SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        column, fk = _column(model, unset, quote), _column(related, link, quote)
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {column} = %s "  # noqa: S608 (names from the models, values bound)
            f"WHERE {quote(meta.pk.column)} = %s AND {column} IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {quote(other.db_table)} WHERE {fk} = %s "
            f"AND {quote(other.pk.column)} <> %s)"
        )
        _SQL[key] = sql
    stamp = meta.get_field(unset).get_db_prep_value(value, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [stamp, pk, pk, but])
        return cursor.rowcount == 1


def count_in_window(
    model: type[Model],
    *,
    key: str,
    window: int,
    expires_at: float,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """One event counted on a fixed-window counter row (fields `counter_key` (the primary key),
    `window_no`, `count`, `expires_at`): the count so far in `window`, a new window starting at 1.

    One `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (PostgreSQL; SQLite 3.35 and later): the row
    is locked for that statement only and the count read in it, so concurrent processes never lose a
    hit nor read a stale count.
    """
    connection = connections[using]
    meta = model._meta
    cache_key = ("count_in_window", connection.vendor, meta.label)
    sql = _SQL.get(cache_key)
    if sql is None:
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        name, number, count, expiry = (
            _column(model, field, quote) for field in ("counter_key", "window_no", "count", "expires_at")
        )
        sql = (
            f"INSERT INTO {table} ({name}, {number}, {count}, {expiry}) VALUES (%s, %s, 1, %s) "  # noqa: S608 (names from the model, values bound)
            f"ON CONFLICT ({name}) DO UPDATE SET {count} = CASE WHEN {table}.{number} = excluded.{number} "
            f"THEN {table}.{count} + 1 ELSE 1 END, "
            f"{number} = excluded.{number}, {expiry} = excluded.{expiry} RETURNING {count}"
        )
        _SQL[cache_key] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, window, expires_at])
        (counted,) = cursor.fetchone()
    return counted


def insert_many(
    model: type[Model], *, fields: Sequence[str], rows: Iterable[Sequence[Any]], using: str = DEFAULT_DB_ALIAS
) -> None:
    """One INSERT run for every row (executemany), values already in the database's form (the caller
    adapted them): the offer sync's new rows. `bulk_create` builds model instances and multi-row
    statements with a placeholder per value; a sync of a whole feed pays that per row."""
    connection = connections[using]
    meta = model._meta
    key = ("insert_many", connection.vendor, meta.label, tuple(fields))
    sql = _SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        names = ", ".join(_column(model, name, quote) for name in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 (names from the model, values bound)
        _SQL[key] = sql
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_many(
    model: type[Model], *, fields: Sequence[str], rows: Iterable[Sequence[Any]], using: str = DEFAULT_DB_ALIAS
) -> None:
    """One `UPDATE ... SET fields WHERE pk = %s` run for every row (executemany); each row holds the
    values of `fields` in the database's form, then the primary key: the offer sync's changed rows.
    `bulk_update` builds one CASE WHEN per column per row instead."""
    connection = connections[using]
    meta = model._meta
    key = ("update_many", connection.vendor, meta.label, tuple(fields))
    sql = _SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        sets = ", ".join(f"{_column(model, name, quote)} = %s" for name in fields)
        sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 (names from the model, values bound)
        _SQL[key] = sql
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# SQL text per (statement, vendor, model, columns): a few dozen shapes in all, built on first use.
_SQL: dict[tuple[Any, ...], str] = {}
