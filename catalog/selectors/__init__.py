"""Read-side queries of the catalog (the partner API's list, the admin's filters)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from catalog.models import Gift
from giftoffice.db import prepared_cursor


@dataclass(frozen=True)
class GiftListStats:
    """What identifies a list's content: any create/update/delete moves at least one of these."""

    count: int
    last_updated: datetime | str | None
    max_id: int | None


@dataclass(frozen=True)
class GiftListFilter:
    """The partner list: optional filters and a limit/offset window over gifts ordered by id.

    Turned into SQL by hand (`from_sql`) because the list is the hot path: compiling an ORM query costs
    as much as serving a hundred gifts.
    """

    active: bool | None = None
    updated_since: datetime | None = None
    limit: int | None = None
    offset: int = 0
    ids: tuple[int, ...] | None = None  # only these gifts (bulk responses read back what they wrote)
    after: int | None = None  # keyset paging: only gifts with a higher id
    # Leave out gifts without a default-language name (legacy rows the rules now refuse): the partner
    # list serves no gift its own create would refuse. Bulk responses read back what they wrote as is.
    servable_only: bool = False

    def narrows(self) -> bool:
        """Whether it selects fewer than the whole (servable) list, limit/offset aside."""
        return any(v is not None for v in (self.active, self.updated_since, self.after, self.ids))

    def where_sql(self, connection: Any) -> tuple[str, dict[str, Any]]:
        """WHERE clause with named (`%(name)s`) placeholders and their values."""
        qn = connection.ops.quote_name
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if self.active is not None:
            clauses.append(f"{qn('active')} = %(active)s")
            params["active"] = self.active
        if self.updated_since is not None:
            clauses.append(f"{qn('updated_at')} >= %(updated_since)s")
            params["updated_since"] = connection.ops.adapt_datetimefield_value(self.updated_since)
        if self.after is not None:
            clauses.append(f"{qn('id')} > %(after)s")
            params["after"] = self.after
        if self.ids is not None:
            names = [f"id_{i}" for i in range(len(self.ids))]
            clauses.append(f"{qn('id')} IN ({', '.join(f'%({n})s' for n in names)})" if names else "1 = 0")
            params.update(zip(names, self.ids, strict=True))
        if self.servable_only:  # NULL <> '' is not true either: one test leaves out null and empty
            clauses.append(f"{qn('name_' + settings.MODELTRANSLATION_DEFAULT_LANGUAGE)} <> ''")
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def from_sql(self, connection: Any) -> tuple[str, dict[str, Any]]:
        """FROM ... WHERE ... ORDER BY id LIMIT/OFFSET, for a SELECT list over the gift table."""
        qn = connection.ops.quote_name
        where, params = self.where_sql(connection)
        sql = f" FROM {qn(Gift._meta.db_table)}{where} ORDER BY {qn('id')}"
        if self.limit is not None or self.offset:
            high = None if self.limit is None else self.offset + self.limit
            sql += " " + connection.ops.limit_offset_sql(self.offset, high)
        return sql, params


def gift_list_stats_sql(
    gift_filter: GiftListFilter, connection: Any, *, beside_rows: bool = False
) -> tuple[str, dict[str, Any]]:
    """SELECT of one row: count, newest updated_at, highest id of the filter's gifts (limit/offset aside).
    `beside_rows`: for the statement that reads the rows too (one aggregate: on a short list three
    subqueries cost more than the scan, `make bench-postgres` list_100)."""
    qn = connection.ops.quote_name
    table = qn(Gift._meta.db_table)
    where, params = gift_filter.where_sql(connection)
    newest = updated_at_text(connection, f"MAX({qn('updated_at')})")
    if gift_filter.narrows() or beside_rows:
        sql = f"SELECT COUNT(*), {newest}, MAX({qn('id')}) FROM {table}{where}"  # noqa: S608
    else:
        # The whole list (servable or not): each aggregate its own subquery, so the two MAX() are index
        # lookups (updated_at's index, the primary key) and the COUNT an index-only scan (of the partial
        # index catalog_gift_servable_id for the servable list); one aggregate over all three read every
        # row of the table (docs/perf.md, Decisions).
        sql = (
            f"SELECT (SELECT COUNT(*) FROM {table}{where}), (SELECT {newest} FROM {table}{where}), "  # noqa: S608
            f"(SELECT MAX({qn('id')}) FROM {table}{where})"
        )
    return sql, params


def updated_at_text(connection: Any, expression: str) -> str:
    """SQL of an updated_at value as the ETag's text, never a datetime parsed in Python: on PostgreSQL
    fixed-width UTC text (so the greatest text is the latest time); SQLite stores text already."""
    if connection.vendor == "postgresql":
        return f"to_char({expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
    return expression


def gift_list_stats(gift_filter: GiftListFilter) -> GiftListStats:
    # SQL here is built from quoted identifiers only; values always go in as parameters.
    """One query: the total (before limit/offset) for X-Total-Count and the inputs of the ETag.

    Unfiltered (the common case) it is three index lookups; COUNT and MAX in one aggregate would scan
    the whole table on SQLite.
    """
    connection = connections[Gift.objects.db]
    sql, params = gift_list_stats_sql(gift_filter, connection)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params or None)  # no parameters: no placeholder rewriting either
        count, last_updated, max_id = cursor.fetchone()
    return GiftListStats(count=count, last_updated=last_updated, max_id=max_id)


def gift_list_etag(stats: GiftListStats, *, variant: str) -> str:
    """Strong ETag of a list response. `variant` carries what else shapes the body (filters, page,
    media URL prefix); TIME_ZONE is included because it changes every datetime on the wire."""
    last = str(stats.last_updated or "")  # datetime or the database's text: stable either way
    raw = f"v1|{stats.count}|{last}|{stats.max_id}|{settings.TIME_ZONE}|{variant}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match (a list of tags, weak or strong, or *) against our strong ETag."""
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def live_gifts_q(*, now: datetime | None = None) -> Q:
    """Gifts shown right now: active and inside their time window."""
    now = now or timezone.now()
    return Q(active=True, start_time__lte=now, removal_time__gt=now)


def missing_translation_q(language: str) -> Q:
    """Gifts missing name, description or link in `language` (null or empty)."""
    query = Q()
    for field in ("name", "description", "link"):
        column = f"{field}_{language}"
        query |= Q(**{f"{column}__isnull": True}) | Q(**{column: ""})
    return query


def missing_translations(gift: Gift) -> dict[str, list[str]]:
    """{language: [fields missing]} among name, description, link, for the admin's completeness column."""
    missing: dict[str, list[str]] = {}
    for language in settings.LANGUAGE_CODES:
        fields = [f for f in ("name", "description", "link") if not getattr(gift, f"{f}_{language}")]
        if fields:
            missing[language] = fields
    return missing


def breaks_gift_rules_q() -> Q:
    """Gifts whose stored values break a rule of gift_input.stored_gift_errors() that SQL can see: no
    name in the default language, a link that is not an absolute http(s) URL, a year out of range.
    (Rows older than the rules; the admin lists them, nothing rewrites them.)"""
    default_name = f"name_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}"
    query = Q(**{f"{default_name}__isnull": True}) | Q(**{default_name: ""})
    for code in settings.LANGUAGE_CODES:
        column = f"link_{code}"
        query |= Q(**{f"{column}__gt": ""}) & ~Q(**{f"{column}__iregex": r"^https?://\S+$"})
    for field in ("start_time", "removal_time"):
        query |= Q(**{f"{field}__year__lt": 1900}) | Q(**{f"{field}__year__gt": 9000})
    return query
