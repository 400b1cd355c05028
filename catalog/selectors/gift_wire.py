"""The partner wire format, read side: gifts as the spec's JSON, computed in SQL.

The database does the per-row work (null for empty values, absolute media URLs, and on SQLite with
TIME_ZONE=UTC the datetime text and the whole JSON object) and orjson the rest, so serving a list costs
little more than fetching the rows. Long lists stream in chunks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from catalog.fastpaths import sqlite as fast_sqlite
from catalog.gift_fields import (
    DEFAULT_NAME_KEY,
    ID_CHUNK,
    LANGUAGES,
    MAX_ID,
    MEDIA_FIELDS,
    ORJSON_OPTIONS,
    WIRE_KEYS,
    db_column,
    tz_is_utc,
)
from catalog.models import Gift
from catalog.selectors import (
    GiftListFilter,
    GiftListStats,
    etag_matches,
    gift_list_etag,
    gift_list_stats,
    gift_list_stats_sql,
    updated_at_text,
)
from giftoffice.db import prepared_cursor


def demo_origin() -> str:
    """Where a demo without PUBLIC_BASE_URL serves itself: the sandbox's own origin (`make run` points
    GIFTOFFICE_SANDBOX_URL at its host and port), so a push from a second shell does not name port 8000."""
    parts = urlsplit(settings.SANDBOX_BASE_URL)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://127.0.0.1:8000"


def media_url_prefix(*, request: HttpRequest | None = None) -> str:
    """Absolute URL that stored media names are appended to, e.g. "https://office.example.com/media/".

    PUBLIC_BASE_URL wins (it is what partners can reach); else the request's own host. Outside a request
    (pushing to partner sites) PUBLIC_BASE_URL is required in production.
    """
    media_url = settings.MEDIA_URL
    if media_url.startswith(("http://", "https://")):
        return media_url
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + media_url
    if request is not None:
        if media_url.startswith("/") and not media_url.startswith("//") and "/." not in media_url:
            # What build_absolute_uri() gives for such a path, without parsing it again per request.
            return f"{request.scheme}://{request.get_host()}{iri_to_uri(media_url)}"
        return request.build_absolute_uri(media_url)
    if settings.DEBUG or settings.TESTING:
        return demo_origin() + media_url
    raise ImproperlyConfigured("Set PUBLIC_BASE_URL: absolute icon/image URLs are needed outside a request")


def _localizer() -> Callable[[datetime | None], datetime | None]:
    """Python conversion to naive TIME_ZONE datetimes (where the SQL does not write the wire text)."""
    tz = timezone.get_default_timezone()

    def localize(value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # databases without time zone support hand back UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(tz).replace(tzinfo=None)

    return localize


@dataclass(frozen=True)
class _WireSelect:
    """How one database serves the wire format, and the SELECT lists for it (identifiers only), built
    once per database and TIME_ZONE. Placeholders are named (`%(media_prefix)s`): Django rewrites
    positional ones on SQLite with a regular expression that costs more than running the query for a
    few gifts."""

    columns: str  # "SELECT <the wire columns in WIRE_KEYS order>"
    # "SELECT json_object(<the same>)" where the database writes each gift's JSON: SQLite, whose
    # json_object escapes strings exactly as orjson does, when it also writes the datetimes.
    json: str | None
    localize: Callable[[Any], Any] | None  # for the datetimes of `columns`; None: they are wire text
    extras: str  # ", id, updated_at" for a list that takes its ETag from its own rows
    with_id: str  # ", id"
    everything: str  # " FROM <gift table> ORDER BY id": the unfiltered list, the common poll
    # The common poll reads its count and ETag inputs in the statement of its rows (PostgreSQL: a
    # statement is a round trip), not first on their own (SQLite, in process: a statement of its own
    # costs less than the three stats columns on every row of a page of 100, `make bench` list_100).
    inline_stats: bool


_EVERYTHING = GiftListFilter()
# Rows turned into Python objects and JSON at a time when a long list streams (_keyset_stream).
STREAM_BATCH = 500
DICT_BATCH = 50  # wire-column rows turned into dicts and JSON at a time, within a streamed batch
_wire_select_cache: dict[tuple[str, str, str, bool], _WireSelect] = {}
_NAMED_PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")


def _wire_select(connection: Any) -> _WireSelect:
    """Per row the database does the wire work: empty text -> NULL, a stored media name -> prefix || name
    (a stored absolute http(s) URL as is), and on SQLite with TIME_ZONE=UTC (it stores UTC text) the
    datetime text and the whole JSON object. Written by hand: the ORM's equivalents (NULLIF,
    COALESCE || COALESCE, LIKE) cost a third more per row on SQLite, and compiling them per request
    costs more than serving a short list.
    """
    fast = settings.GIFT_FAST_PATHS
    cache_key = (connection.alias, connection.vendor, settings.TIME_ZONE, fast)
    cached = _wire_select_cache.get(cache_key)
    if cached is not None:
        return cached
    postgres = connection.vendor == "postgresql"
    # PostgreSQL converts to TIME_ZONE itself (to_char ... AT TIME ZONE); SQLite only when it stores the
    # wire's zone (UTC). Per-row conversion in Python was a third of a 10,000-gift list on PostgreSQL.
    sql_datetimes = postgres or (connection.vendor == "sqlite" and tz_is_utc())
    builds_json = connection.vendor == "sqlite" and sql_datetimes and connection.features.supports_json_field
    qn = connection.ops.quote_name
    table = qn(Gift._meta.db_table)
    parts: list[str] = []
    for key in WIRE_KEYS:
        column = f"{table}.{qn(db_column(key))}"
        if key in ("id", "active"):
            parts.append(column)
        elif key in ("start_time", "removal_time"):
            # SQLite keeps "2025-08-25 09:50:00[.ffffff]" in UTC: the wire form is a character away.
            if postgres:
                parts.append(f"""to_char({column} AT TIME ZONE %(time_zone)s, 'YYYY-MM-DD"T"HH24:MI:SS')""")
            elif sql_datetimes:
                parts.append(
                    f"CASE WHEN length({column}) = 19 THEN replace({column}, ' ', 'T') "
                    f"ELSE replace(substr({column}, 1, 19), ' ', 'T') END"
                )
            else:
                parts.append(column)
        elif key.rsplit("_", 1)[0] in MEDIA_FIELDS:
            if connection.vendor == "sqlite":  # byte-wise comparison: "http:..." or "https:..."
                absolute = f"{column} >= 'http:' AND {column} < 'https;'"
            else:
                absolute = f"({column} LIKE %(http_like)s OR {column} LIKE %(https_like)s)"
            parts.append(
                f"CASE WHEN {column} <> '' THEN CASE WHEN {absolute} THEN {column} "
                f"ELSE %(media_prefix)s || {column} END END"
            )
        else:
            parts.append(f"CASE WHEN {column} <> '' THEN {column} END")
    # The fast path (the database writes each JSON object) where there is one; `columns` is the plain
    # path beside it (Python dicts + orjson), used elsewhere and measured against it by the bench.
    # PostgreSQL has none: its JSON text built in SQL (to_json per value, concatenated) measured slower
    # than these columns + orjson (docs/perf.md).
    json_sql = None
    if builds_json and fast:
        json_sql = "SELECT " + fast_sqlite.json_object_sql(WIRE_KEYS, parts)
    # updated_at only feeds the ETag: read as text, never parsed into a datetime per row (on PostgreSQL
    # that parse cost as much as the rest of a page of 100); the same text as the stats' MAX().
    updated = updated_at_text(connection, f"{table}.{qn(db_column('updated_at'))}")
    if connection.vendor == "sqlite":
        updated = f"CAST({updated} AS TEXT)"  # the text MAX() gives, not a parsed datetime
    select = _WireSelect(
        columns="SELECT " + ", ".join(parts),
        json=json_sql,
        localize=None if sql_datetimes else _localizer(),
        extras=f", {table}.{qn(db_column('id'))}, {updated}",
        with_id=f", {table}.{qn(db_column('id'))}",
        everything=_EVERYTHING.from_sql(connection)[0],
        inline_stats=json_sql is None and connection.vendor != "sqlite",
    )
    _wire_select_cache[cache_key] = select
    return select


def _select_params(connection: Any, media_prefix: str) -> dict[str, str]:
    params = {"media_prefix": media_prefix}
    if connection.vendor != "sqlite":
        params.update(http_like="http://%", https_like="https://%")
    if connection.vendor == "postgresql":
        params["time_zone"] = settings.TIME_ZONE
    return params


def _positional(sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """The same SQL with %s placeholders, to combine with an ORM query's positional parameters."""
    return _NAMED_PLACEHOLDER_RE.sub("%s", sql), [params[n] for n in _NAMED_PLACEHOLDER_RE.findall(sql)]


def _wire_sql(
    gifts: QuerySet[Gift] | GiftListFilter,
    media_prefix: str,
    *,
    json_rows: bool = False,
    extras: bool = False,
) -> tuple[str, Any, str]:
    """SQL of the wire columns for the selected rows (a list filter, or any queryset: its FROM/WHERE/
    ORDER/LIMIT with our SELECT list), its parameters (a dict for a list filter, else a list) and the
    database alias. `json_rows`: one JSON object per row (only where the database writes them); `extras`: the
    id and updated_at after the wire columns."""
    alias = Gift.objects.db if isinstance(gifts, GiftListFilter) else gifts.db
    connection = connections[alias]
    select = _wire_select(connection)
    head = select.json if json_rows else select.columns
    assert head is not None, "JSON rows are built only where _WireSelect.json is set"
    if extras:
        head += select.extras
    head_params = _select_params(connection, media_prefix)
    if isinstance(gifts, GiftListFilter):
        if gifts == _EVERYTHING:
            return head + select.everything, head_params, alias
        tail, params = gifts.from_sql(connection)
        return head + tail, {**head_params, **params}, alias
    head, positional_params = _positional(head, head_params)
    sql, params = gifts.values_list("id").query.get_compiler(using=alias).as_sql()  # may raise EmptyResultSet
    qn = connection.ops.quote_name
    table = qn(Gift._meta.db_table)
    column = f"{table}.{qn(Gift._meta.pk.column)}"
    params = [*positional_params, *params]
    for plain in (f"SELECT {column} FROM ", f"SELECT {column} AS {qn('id')} FROM "):  # noqa: S608
        if sql.startswith(plain):
            return f"{head} FROM {sql[len(plain) :]}", params, alias
    # Anything fancier (DISTINCT, ...): select by id from it, ordered by id.
    return f"{head} FROM {table} WHERE {column} IN ({sql}) ORDER BY {column}", params, alias


def _wire_dicts(rows: Sequence[Sequence[Any]], localize: Callable[[Any], Any] | None) -> list[dict[str, Any]]:
    keys = WIRE_KEYS
    dicts = [dict(zip(keys, row)) for row in rows]  # noqa: B905  hot loop; drops any extra columns
    if localize is not None:
        for item in dicts:
            item["start_time"] = localize(item["start_time"])
            item["removal_time"] = localize(item["removal_time"])
    return dicts


def _json_elements(rows: Sequence[Sequence[Any]], *, json_rows: bool, localize: Callable | None) -> bytes:
    """The rows as JSON array elements joined by commas (no brackets)."""
    if json_rows:
        return ",".join([row[0] for row in rows]).encode()
    return orjson.dumps(_wire_dicts(rows, localize), option=ORJSON_OPTIONS)[1:-1]


def _json_array(rows: Sequence[Sequence[Any]], *, json_rows: bool, localize: Callable | None) -> bytes:
    if json_rows:
        return _joined_array([row[0] for row in rows])
    return orjson.dumps(_wire_dicts(rows, localize), option=ORJSON_OPTIONS)


def _joined_array(objects: list[str]) -> bytes:
    """JSON objects (text) -> the array's bytes, copying the body once to join and once to encode."""
    if not objects:
        return b"[]"
    objects[0] = "[" + objects[0]
    objects[-1] += "]"
    return ",".join(objects).encode()


def _executed(cursor: Any, sql: str, params: Any) -> Any:
    """`cursor` with the statement sent, for a caller that reads it later; closed if sending fails."""
    try:
        cursor.execute(sql, params)
    except BaseException:
        cursor.close()
        raise
    return cursor


def _open_cursor(connection: Any) -> Any:
    server_side = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    return connection.chunked_cursor() if server_side else connection.cursor()


def iter_wire_chunks(
    gifts: QuerySet[Gift] | GiftListFilter,
    *,
    media_prefix: str,
    chunk_size: int | None = None,
    server_side: bool = True,
) -> Iterator[list[dict[str, Any]]]:
    """Gifts as wire dicts (WIRE_KEYS order), `chunk_size` at a time, in the queryset's order (a
    GiftListFilter: by id).

    Datetimes come as wire text or as naive TIME_ZONE datetimes (orjson with ORJSON_OPTIONS writes both
    the same). Rows are read with one cursor (server-side where the database has them) and no per-row
    ORM converters. `server_side=False` for selections known to be short (a server-side cursor costs
    round trips, and on PostgreSQL outside a transaction materializes its result first).
    """
    chunk_size = chunk_size or settings.GIFT_LIST_CHUNK_SIZE
    try:
        sql, params, alias = _wire_sql(gifts, media_prefix)
    except EmptyResultSet:
        return
    connection = connections[alias]
    localize = _wire_select(connection).localize
    cursor = _open_cursor(connection) if server_side else connection.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield _wire_dicts(rows, localize)
    finally:
        cursor.close()


def _stream(
    cursor: Any, first: list[Any], *, chunk_size: int, json_rows: bool, localize: Callable | None
) -> Iterator[bytes]:
    """A JSON array of `first` (rows already fetched) and the rest of the open cursor, which it closes."""
    try:
        yield b"["
        rows, separator = first or cursor.fetchmany(chunk_size), b""
        while rows:
            yield separator + _json_elements(rows, json_rows=json_rows, localize=localize)
            rows, separator = cursor.fetchmany(chunk_size), b","
        yield b"]"
    finally:
        cursor.close()


def _json_query(
    gifts: QuerySet[Gift] | GiftListFilter, media_prefix: str, *, extras: bool = False
) -> tuple[Any, _WireSelect, str, Any]:
    """(connection, its _WireSelect, SQL, parameters) reading the gifts as JSON objects where the
    database writes them, else as wire columns. Raises EmptyResultSet for a queryset that selects none."""
    alias = Gift.objects.db if isinstance(gifts, GiftListFilter) else gifts.db
    connection = connections[alias]
    select = _wire_select(connection)
    sql, params, _alias = _wire_sql(gifts, media_prefix, json_rows=select.json is not None, extras=extras)
    return connection, select, sql, params


def iter_wire_json(
    gifts: QuerySet[Gift] | GiftListFilter, *, media_prefix: str, chunk_size: int | None = None
) -> Iterator[bytes]:
    """The JSON array of the gifts, streamed chunk by chunk (memory bounded by chunk_size)."""
    try:
        connection, select, sql, params = _json_query(gifts, media_prefix)
    except EmptyResultSet:
        yield b"[]"
        return
    cursor = _executed(_open_cursor(connection), sql, params)
    yield from _stream(
        cursor,
        [],
        chunk_size=chunk_size or settings.GIFT_LIST_CHUNK_SIZE,
        json_rows=select.json is not None,
        localize=select.localize,
    )


def wire_json(gifts: QuerySet[Gift] | GiftListFilter, *, media_prefix: str) -> bytes:
    """The JSON array of the gifts in one piece (for short lists)."""
    try:
        connection, select, sql, params = _json_query(gifts, media_prefix)
    except EmptyResultSet:
        return b"[]"
    # The list's own SQL is written for server-side binding; an ORM queryset's may not be.
    hot = isinstance(gifts, GiftListFilter)
    with prepared_cursor(connection) if hot else connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _json_array(rows, json_rows=select.json is not None, localize=select.localize)


def wire_json_of(ids: Sequence[int], *, media_prefix: str) -> bytes:
    """The JSON array of the given gifts in the given order (the bulk endpoints' answers), read back in
    one query where the database writes the JSON, else from gift_payloads()."""
    if not ids:
        return b"[]"
    connection = connections[Gift.objects.db]
    select = _wire_select(connection)
    if select.json is None:
        by_id = {item["id"]: item for item in gift_payloads(ids, media_prefix=media_prefix)}
        return orjson.dumps([by_id[gift_id] for gift_id in ids], option=ORJSON_OPTIONS)
    qn = connection.ops.quote_name
    table, pk = qn(Gift._meta.db_table), qn(db_column("id"))
    # One parameter for any number of ids (identifiers only in the SQL text).
    where = f"{pk} IN (SELECT value FROM json_each(%(ids)s))"  # noqa: S608
    sql = f"{select.json}{select.with_id} FROM {table} WHERE {where}"
    params = {**_select_params(connection, media_prefix), "ids": orjson.dumps(list(ids)).decode()}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        by_id = {row[1]: row[0] for row in cursor.fetchall()}
    return _joined_array([by_id[gift_id] for gift_id in ids])


@dataclass(frozen=True)
class GiftListPage:
    """One answer of the list endpoint: `body` is the JSON array (bytes, or chunks to stream), or None
    when If-None-Match matched the ETag."""

    etag: str
    total: int | None  # matching gifts before limit/offset (X-Total-Count); None for keyset pages
    body: bytes | Iterator[bytes] | None


def _read(gift_filter: GiftListFilter, media_prefix: str, *, stats: bool = False) -> tuple[list[Any], Any]:
    """Rows of the filter (its limit included) on an ordinary cursor: the wire JSON (or columns), then the
    id and updated_at, then with `stats` the filter's count, newest updated_at and highest id, read in
    the same statement (one snapshot). Returns (rows, the _WireSelect)."""
    connection, select, sql, params = _read_query(gift_filter, media_prefix, stats=stats)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall(), select


def _read_query(
    gift_filter: GiftListFilter, media_prefix: str, *, stats: bool
) -> tuple[Any, _WireSelect, str, Any]:
    # With the stats (wire columns only): the id is the first wire column, and updated_at is not needed.
    connection, select, sql, params = _json_query(gift_filter, media_prefix, extras=not stats)
    if stats:
        assert select.json is None, "inline stats are read beside wire columns only (_WireSelect)"
        # The aggregate as a one-row table joined to every row: same statement, same snapshot.
        # MATERIALIZED: computed once. As a plain derived table PostgreSQL's planner may put the
        # aggregate on the inner side of a nested loop and compute it again for every row (a page of
        # 100 read the table 100 times; 2,001 rows of a long list, 2,001 times).
        stats_sql, _stats_params = gift_list_stats_sql(
            replace(gift_filter, limit=None, offset=0), connection, beside_rows=True
        )
        table = connection.ops.quote_name(Gift._meta.db_table)
        head, tail = sql.split(f" FROM {table}", 1)
        sql = f"WITH s AS MATERIALIZED ({stats_sql}) {head}, s.* FROM {table} CROSS JOIN s{tail}"
    return connection, select, sql, params


def _elements(rows: Sequence[Sequence[Any]], select: _WireSelect) -> bytes:
    return _json_elements(rows, json_rows=select.json is not None, localize=select.localize)


def _id_of(row: Sequence[Any], select: _WireSelect) -> int:
    return row[1] if select.json is not None else row[0]


def _keyset_stream(
    gift_filter: GiftListFilter,
    media_prefix: str,
    *,
    chunk_size: int,
    first: Iterator[list[Any]] | None = None,
) -> Iterator[bytes]:
    """The JSON array of the filter's gifts, `chunk_size` at a time, each chunk one short query after
    the previous chunk's last id (`first`: the first chunk's batches, its query already sent). No
    server-side cursor: on
    PostgreSQL one outside a transaction is WITH HOLD, which materializes the whole result first. Each
    chunk is read at or after the caller's stats, so the body is never older than its ETag.

    Within a chunk, rows become Python objects and JSON STREAM_BATCH at a time (fetchmany on the
    chunk's cursor): a 2,000-row chunk of tuples is what set the peak memory of a long list (`make
    bench`, memory_100000)."""
    remaining = gift_filter.limit
    current, separator = gift_filter, b""
    yield b"["
    while True:
        want = chunk_size if remaining is None else min(chunk_size, remaining)
        if first is not None:
            batches, select = first, _wire_select(connections[Gift.objects.db])
            first = None
        elif want <= 0:
            break
        else:
            batches, select = _read_batches(replace(current, limit=want), media_prefix)
        got, last_id = 0, None
        for rows in batches:
            got += len(rows)
            last_id = _id_of(rows[-1], select)
            # Wire columns become dicts and JSON a slice at a time: a batch's dicts beside its rows and
            # its JSON was most of a long list's peak memory on PostgreSQL (make bench-postgres,
            # memory_100000). JSON rows are text already: one piece a batch.
            if select.json is not None:
                if separator:
                    yield separator  # its own chunk: joined to the body it would copy the body
                yield _elements(rows, select)
                separator = b","
            else:
                for start in range(0, len(rows), DICT_BATCH):
                    yield separator + _elements(rows[start : start + DICT_BATCH], select)  # a small copy
                    separator = b","
            del rows  # not alive beside the next batch's rows while it is fetched
        if remaining is not None:
            remaining -= got
        if got < want:
            break
        current = replace(current, after=last_id, offset=0)
    yield b"]"


def _read_batches(
    gift_filter: GiftListFilter, media_prefix: str, *, stats: bool = False
) -> tuple[Iterator[list[Any]], _WireSelect]:
    """As `_read`, the rows handed out STREAM_BATCH at a time from one ordinary cursor (the statement is
    sent at once; the cursor closes when the last batch is taken or the iterator is closed)."""
    connection, select, sql, params = _read_query(gift_filter, media_prefix, stats=stats)
    cursor = _executed(prepared_cursor(connection), sql, params)

    def batches() -> Iterator[list[Any]]:
        try:
            while rows := cursor.fetchmany(STREAM_BATCH):
                yield rows
        finally:
            cursor.close()

    return batches(), select


def _then(head: list[Any], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """`head`, then the batches of `rest`, holding `head` no longer than its consumer does
    (itertools.chain([head], rest) keeps it alive while the next batches are fetched: 500 rows more at
    the peak of a long list)."""
    batch: list[Any] | None = head
    del head
    yield batch
    batch = None
    yield from rest


def gift_list_page(
    gift_filter: GiftListFilter, *, media_prefix: str, if_none_match: str | None = None
) -> GiftListPage:
    """The list endpoint's work in as few queries as it allows, none of them a server-side cursor.

    - A keyset page (`after` with a limit up to GIFT_LIST_CHUNK_SIZE) is one query and counts nothing:
      its ETag comes from its own rows (how many, newest updated_at, highest id), so a page and its 304
      cost the same whatever the table's size.
    - A plain list (the common poll) on PostgreSQL is one query for up to GIFT_LIST_CHUNK_SIZE gifts:
      the count, newest updated_at and highest id (the ETag) come in the same statement. Longer lists
      stream the rest chunk by chunk (keyset), never reading a row twice.
    - With If-None-Match, or an offset page, and every plain list on SQLite (`_WireSelect.inline_stats`),
      the stats come first: a matching ETag answers without reading any gift, the total counts beyond
      the page, and a list that fits one chunk is then one query for its rows.
    """
    variant = (
        f"{gift_filter.active}|{gift_filter.updated_since}|{gift_filter.limit}|{gift_filter.offset}|"
        f"{media_prefix}"
    )
    if gift_filter.after is not None:
        variant += f"|after={gift_filter.after}"
    chunk_size = settings.GIFT_LIST_CHUNK_SIZE
    limit = gift_filter.limit
    if gift_filter.after is not None and limit is not None and limit <= chunk_size and not gift_filter.offset:
        rows, select = _read(gift_filter, media_prefix)
        page_stats = GiftListStats(
            count=len(rows),
            last_updated=max([row[-1] for row in rows], default=None),
            max_id=_id_of(rows[-1], select) if rows else None,
        )
        etag = gift_list_etag(page_stats, variant=variant)
        if if_none_match is not None and etag_matches(if_none_match, etag):
            return GiftListPage(etag, None, None)
        body = _json_array(rows, json_rows=select.json is not None, localize=select.localize)
        return GiftListPage(etag, None, body)
    select = _wire_select(connections[Gift.objects.db])
    if if_none_match is None and limit is None and not gift_filter.offset and select.inline_stats:
        # The first batch carries the count: a list that fits one chunk is read whole and answered with
        # a length; a longer one streams on from this cursor, STREAM_BATCH rows at a time.
        batches, select = _read_batches(replace(gift_filter, limit=chunk_size), media_prefix, stats=True)
        head = next(batches, [])
        count, last_updated, max_id = head[0][-3:] if head else (0, None, None)
        stats = GiftListStats(count=count, last_updated=last_updated, max_id=max_id)
        etag = gift_list_etag(stats, variant=variant)
        if count <= chunk_size:
            rows = head + [row for batch in batches for row in batch]
            body: bytes | Iterator[bytes] = (
                _json_array(rows, json_rows=select.json is not None, localize=select.localize)
                if rows
                else b"[]"
            )
            return GiftListPage(etag, count, body)
        first = _then(head, batches)
        return GiftListPage(
            etag, count, _keyset_stream(gift_filter, media_prefix, chunk_size=chunk_size, first=first)
        )
    stats = gift_list_stats(gift_filter)
    etag = gift_list_etag(stats, variant=variant)
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return GiftListPage(etag, stats.count, None)
    offset = gift_filter.offset
    rows_left = max(0, stats.count - offset) if limit is None else max(0, min(limit, stats.count - offset))
    if rows_left == 0:
        body = b"[]"
    elif rows_left <= chunk_size:
        body = wire_json(gift_filter, media_prefix=media_prefix)
    else:
        body = _keyset_stream(gift_filter, media_prefix, chunk_size=chunk_size)
    return GiftListPage(etag, stats.count, body)


def _format_datetime(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.replace(microsecond=0).isoformat()


def gift_payloads(
    gifts: QuerySet[Gift] | Iterable[int],
    *,
    media_prefix: str,
    include_id: bool = True,
    languages: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """JSON-ready wire dicts of the given gifts (a queryset or ids), ordered by id.

    The one place the wire format is built for single objects, bulk responses and payloads pushed to
    partner sites: keys in the spec's order, null for missing values, datetimes as "2025-08-25T09:50:00"
    in TIME_ZONE, icon/image as absolute URLs under `media_prefix` (see media_url_prefix()).
    `include_id=False` drops "id" (bulk-create payloads); `languages` keeps only those languages' keys.
    """
    if isinstance(gifts, QuerySet):
        querysets: list[QuerySet[Gift] | GiftListFilter] = [gifts.order_by("id")]
    else:
        ids = sorted(set(gifts))
        querysets = [GiftListFilter(ids=tuple(ids[i : i + ID_CHUNK])) for i in range(0, len(ids), ID_CHUNK)]
    keep = None
    if languages is not None or not include_id:
        wanted = set(LANGUAGES if languages is None else languages)
        keep = [
            key
            for key in WIRE_KEYS
            if (key != "id" or include_id)
            and (key.rsplit("_", 1)[-1] in wanted or key in ("id", "start_time", "removal_time", "active"))
        ]
    payloads: list[dict[str, Any]] = []
    for queryset in querysets:
        short = isinstance(queryset, GiftListFilter)  # at most ID_CHUNK ids
        for chunk in iter_wire_chunks(queryset, media_prefix=media_prefix, server_side=not short):
            for item in chunk:
                item["start_time"] = _format_datetime(item["start_time"])
                item["removal_time"] = _format_datetime(item["removal_time"])
                payloads.append(item if keep is None else {key: item[key] for key in keep})
    return payloads


def gift_payload(gift_id: int, *, media_prefix: str, servable_only: bool = False) -> dict[str, Any] | None:
    """One gift's wire dict, or None if it does not exist (or, `servable_only`, has no default-language
    name: see GiftListFilter.servable_only)."""
    if gift_id > MAX_ID:
        return None
    found = gift_payloads([gift_id], media_prefix=media_prefix)
    if servable_only and found and found[0][DEFAULT_NAME_KEY] is None:  # empty texts are null on the wire
        return None
    return found[0] if found else None
