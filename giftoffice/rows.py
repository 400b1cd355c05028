"""One-row INSERTs and UPDATEs whose SQL is built once per model and shape, for the purchase hot paths.

A send writes a handful of single rows (the claim's event, the move, its event, the sale's completion,
the report). Through the ORM each costs its query compilation (`Model.objects.create`,
`QuerySet.filter(...).update(...)`: 0.4-0.9 ms apiece on the bench machine), several times the
statement itself; `make bench` (bench/purchases.py) times a send against a bare HTTP loop, and those
compilations were most of our side. Here the SQL text of each (model, columns) shape is built once
from the model's metadata and cached; every value still goes through its field's own `pre_save` and
`get_db_prep_save`, exactly the conversions the ORM's compilers apply (JSON, Decimal, datetimes,
encrypted fields, foreign keys), so the row stored is the row `save()` would store. Nothing here
sends model signals: no business flow hangs on them (docs/architecture.md).

The plain ORM calls they replace are named at each function; tests/core/test_rows.py checks both store
the same rows on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

__all__ = ["insert", "update_where"]

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


# SQL text per (statement, vendor, model, columns): a few dozen shapes in all, built on first use.
_SQL: dict[tuple[Any, ...], str] = {}
