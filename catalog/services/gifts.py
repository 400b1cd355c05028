"""Gifts: the partner wire format, input parsing and the write services behind /external/gift/.

The wire format is computed in SQL (null for empty values, absolute media URLs) and serialized by orjson,
so serving a list costs little more than fetching the rows. Writes validate every item in Python first,
then insert/update in a few batched statements inside one transaction: all or nothing.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from catalog.models import Gift, Partner
from catalog.selectors import GiftListFilter, GiftListStats, etag_matches, gift_list_etag, gift_list_stats

LANGUAGES: tuple[str, ...] = tuple(settings.LANGUAGE_CODES)
DEFAULT_LANGUAGE: str = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
TRANSLATED_FIELDS: tuple[str, ...] = ("icon", "image", "name", "link", "description")  # wire order
MEDIA_FIELDS: tuple[str, ...] = ("icon", "image")
# The spec's exact key order.
WIRE_KEYS: tuple[str, ...] = (
    "id",
    *(f"{field}_{lang}" for field in TRANSLATED_FIELDS for lang in LANGUAGES),
    "start_time",
    "removal_time",
    "active",
)
WRITABLE_KEYS: tuple[str, ...] = WIRE_KEYS[1:]
DEFAULT_NAME_KEY = f"name_{DEFAULT_LANGUAGE}"
# Text limits on the wire are the columns' own.
NAME_MAX_LENGTH: int = Gift._meta.get_field("name").max_length
LINK_MAX_LENGTH: int = Gift._meta.get_field("link").max_length
MEDIA_MAX_LENGTH: int = Gift._meta.get_field("icon").max_length
REQUIRED_ON_CREATE: tuple[str, ...] = (DEFAULT_NAME_KEY, "start_time", "removal_time")
# orjson writes a naive datetime as 2025-08-25T09:50:00, exactly the spec's form.
ORJSON_OPTIONS = orjson.OPT_OMIT_MICROSECONDS

_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"})
_ID_CHUNK = 900  # ids per IN (...) query: below SQLite's historic 999-parameter limit


MAX_ID = 2**63 - 1  # the largest id our databases store: a larger one names no gift (and overflows SQL)


class GiftRequestError(Exception):
    """The request as a whole is unusable (not an array, too many items); `detail` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class GiftValidationError(Exception):
    """Invalid input; nothing was written. `errors` is {field: [messages]} for one gift, or a list of
    such dicts aligned with the input for bulk requests ({} for a valid item)."""

    def __init__(self, errors: dict[str, list[str]] | list[dict[str, list[str]]]) -> None:
        super().__init__("invalid gift data")
        self.errors = errors


class GiftNotFoundError(Exception):
    """No such gift, or not one the caller may change (the API answers 404 for both)."""


# --- Wire format (read) -------------------------------------------------------------------------------


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
        return "http://127.0.0.1:8000" + media_url
    raise ImproperlyConfigured("Set PUBLIC_BASE_URL: absolute icon/image URLs are needed outside a request")


def _tz_is_utc() -> bool:
    return getattr(timezone.get_default_timezone(), "key", None) in _UTC_KEYS


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


_EVERYTHING = GiftListFilter()
_wire_select_cache: dict[tuple[str, str, str], _WireSelect] = {}
_NAMED_PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")


def _wire_select(connection: Any) -> _WireSelect:
    """Per row the database does the wire work: empty text -> NULL, a stored media name -> prefix || name
    (a stored absolute http(s) URL as is), and on SQLite with TIME_ZONE=UTC (it stores UTC text) the
    datetime text and the whole JSON object. Written by hand: the ORM's equivalents (NULLIF,
    COALESCE || COALESCE, LIKE) cost a third more per row on SQLite, and compiling them per request
    costs more than serving a short list.
    """
    cache_key = (connection.alias, connection.vendor, settings.TIME_ZONE)
    cached = _wire_select_cache.get(cache_key)
    if cached is not None:
        return cached
    sql_datetimes = connection.vendor == "sqlite" and _tz_is_utc()
    builds_json = sql_datetimes and connection.features.supports_json_field
    qn = connection.ops.quote_name
    table = qn(Gift._meta.db_table)
    parts: list[str] = []
    for key in WIRE_KEYS:
        column = f"{table}.{qn(_column(key))}"
        if key in ("id", "active"):
            parts.append(column)
        elif key in ("start_time", "removal_time"):
            # SQLite keeps "2025-08-25 09:50:00[.ffffff]" in UTC: the wire form is a character away.
            parts.append(
                f"CASE WHEN length({column}) = 19 THEN replace({column}, ' ', 'T') "
                f"ELSE replace(substr({column}, 1, 19), ' ', 'T') END"
                if sql_datetimes
                else column
            )
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
    json_sql = None
    if builds_json:
        active = parts[-1]
        parts_json = [*parts[:-1], f"CASE WHEN {active} THEN json('true') ELSE json('false') END"]
        pairs = ", ".join(f"'{key}', {part}" for key, part in zip(WIRE_KEYS, parts_json, strict=True))
        json_sql = f"SELECT json_object({pairs})"
    updated = f"{table}.{qn(_column('updated_at'))}"
    if connection.vendor == "sqlite":
        updated = f"CAST({updated} AS TEXT)"  # the text MAX() gives, not a parsed datetime
    select = _WireSelect(
        columns="SELECT " + ", ".join(parts),
        json=json_sql,
        localize=None if sql_datetimes else _localizer(),
        extras=f", {table}.{qn(_column('id'))}, {updated}",
        with_id=f", {table}.{qn(_column('id'))}",
        everything=_EVERYTHING.from_sql(connection)[0],
    )
    _wire_select_cache[cache_key] = select
    return select


def _select_params(connection: Any, media_prefix: str) -> dict[str, str]:
    params = {"media_prefix": media_prefix}
    if connection.vendor != "sqlite":
        params.update(http_like="http://%", https_like="https://%")
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


def _open_cursor(connection: Any) -> Any:
    server_side = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    return connection.chunked_cursor() if server_side else connection.cursor()


def iter_wire_chunks(
    gifts: QuerySet[Gift] | GiftListFilter, *, media_prefix: str, chunk_size: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Gifts as wire dicts (WIRE_KEYS order), `chunk_size` at a time, in the queryset's order (a
    GiftListFilter: by id).

    Datetimes come as wire text or as naive TIME_ZONE datetimes (orjson with ORJSON_OPTIONS writes both
    the same). Rows are read with one cursor (server-side where the database has them) and no per-row
    ORM converters.
    """
    chunk_size = chunk_size or settings.GIFT_LIST_CHUNK_SIZE
    try:
        sql, params, alias = _wire_sql(gifts, media_prefix)
    except EmptyResultSet:
        return
    connection = connections[alias]
    localize = _wire_select(connection).localize
    cursor = _open_cursor(connection)
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
    cursor = _open_cursor(connection)
    try:
        cursor.execute(sql, params)
    except BaseException:
        cursor.close()
        raise
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
    with connection.cursor() as cursor:
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
    table, pk = qn(Gift._meta.db_table), qn(_column("id"))
    # One parameter for any number of ids (identifiers only in the SQL text).
    sql = f"{select.json}{select.with_id} FROM {table} WHERE {pk} IN (SELECT value FROM json_each(%(ids)s))"  # noqa: S608
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
    total: int  # matching gifts before limit/offset (X-Total-Count)
    body: bytes | Iterator[bytes] | None


def gift_list_page(
    gift_filter: GiftListFilter, *, media_prefix: str, if_none_match: str | None = None
) -> GiftListPage:
    """The list endpoint's work in as few queries as it allows.

    With If-None-Match, or a page (limit/offset), the stats query comes first: a matching ETag answers
    without reading any gift, and the total counts beyond the page. A plain list (the common poll) is
    one query: its rows carry id and updated_at, which give the same stats and so the same ETag; only a
    list longer than GIFT_LIST_CHUNK_SIZE (streamed) reads its stats and then its rows again.
    """
    variant = (
        f"{gift_filter.active}|{gift_filter.updated_since}|{gift_filter.limit}|{gift_filter.offset}|"
        f"{media_prefix}"
    )
    chunk_size = settings.GIFT_LIST_CHUNK_SIZE
    if if_none_match is None and gift_filter.limit is None and not gift_filter.offset:
        connection, select, sql, params = _json_query(gift_filter, media_prefix, extras=True)
        json_rows, localize = select.json is not None, select.localize
        cursor = _open_cursor(connection)
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchmany(chunk_size + 1)
        except BaseException:
            cursor.close()
            raise
        if len(rows) <= chunk_size:
            cursor.close()
            stats = GiftListStats(
                count=len(rows),
                last_updated=max([row[-1] for row in rows], default=None),
                max_id=rows[-1][-2] if rows else None,
            )
            body = _json_array(rows, json_rows=json_rows, localize=localize) if rows else b"[]"
            return GiftListPage(gift_list_etag(stats, variant=variant), stats.count, body)
        # Too long for one piece: read the stats, then stream in a fresh query. Stats read after rows
        # (a later snapshot on PostgreSQL) could carry a change the body lacks, and a 304 would then hide
        # it; a body newer than its ETag only costs one more full read.
        cursor.close()
    stats = gift_list_stats(gift_filter)
    etag = gift_list_etag(stats, variant=variant)
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return GiftListPage(etag, stats.count, None)
    offset, limit = gift_filter.offset, gift_filter.limit
    rows_left = max(0, stats.count - offset) if limit is None else max(0, min(limit, stats.count - offset))
    if rows_left == 0:
        body: bytes | Iterator[bytes] = b"[]"
    elif rows_left <= chunk_size:
        body = wire_json(gift_filter, media_prefix=media_prefix)
    else:
        body = iter_wire_json(gift_filter, media_prefix=media_prefix)
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
        querysets = [GiftListFilter(ids=tuple(ids[i : i + _ID_CHUNK])) for i in range(0, len(ids), _ID_CHUNK)]
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
        for chunk in iter_wire_chunks(queryset, media_prefix=media_prefix):
            for item in chunk:
                item["start_time"] = _format_datetime(item["start_time"])
                item["removal_time"] = _format_datetime(item["removal_time"])
                payloads.append(item if keep is None else {key: item[key] for key in keep})
    return payloads


def gift_payload(gift_id: int, *, media_prefix: str) -> dict[str, Any] | None:
    """One gift's wire dict, or None if it does not exist."""
    if gift_id > MAX_ID:
        return None
    found = gift_payloads(Gift.objects.filter(pk=gift_id), media_prefix=media_prefix)
    return found[0] if found else None


# --- Input parsing ------------------------------------------------------------------------------------

_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?\Z", re.ASCII
)
# Absolute http(s) URL: a host (name, IPv4 or [IPv6]), optional port, no whitespace anywhere.
_URL_RE = re.compile(
    r"(?i:https?)://(?:[^\s/?#@]+@)?(?:[A-Za-z0-9](?:[A-Za-z0-9\-.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
    r"(?::\d{1,5})?(?:[/?#]\S*)?\Z",
    re.ASCII,
)
_SAFE_MEDIA_NAME_RE = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_\-./]*\Z", re.ASCII)

DATETIME_HELP = "Expected a date and time like 2025-08-25T09:50:00 (TIME_ZONE) or 2025-08-25T09:50:00+03:00."


_PLAIN_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\Z", re.ASCII)


# Years a gift can sensibly have. Without a bound, year 1 or 9999 is stored and then overflows when it is
# shown in another time zone (a 500 on every later list, and in the admin).
MIN_YEAR, MAX_YEAR = 1900, 9000
YEAR_HELP = f"The year must be between {MIN_YEAR} and {MAX_YEAR}."


def parse_wire_datetime(value: object) -> datetime:
    """Wire datetime -> aware UTC datetime, whole seconds. Naive values are in TIME_ZONE."""
    try:
        if type(value) is str and len(value) == 19 and _PLAIN_DATETIME_RE.match(value):  # the spec's form
            if _tz_is_utc():
                parsed = datetime.fromisoformat(value + "+00:00")  # aware in one step: replace() is slow
            else:
                parsed = datetime.fromisoformat(value)
                parsed = parsed.replace(tzinfo=timezone.get_default_timezone()).astimezone(UTC)
        else:
            if not isinstance(value, str) or not _DATETIME_RE.match(value):
                raise ValueError(DATETIME_HELP)
            parsed = datetime.fromisoformat(value.replace(",", "."))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.get_default_timezone())
            parsed = parsed.astimezone(UTC).replace(microsecond=0)
    except OverflowError:
        raise ValueError(YEAR_HELP) from None
    except ValueError as exc:
        if exc.args and exc.args[0] == DATETIME_HELP:
            raise
        raise ValueError(f"Not a valid date and time: {value!r}.") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(YEAR_HELP)
    return parsed


def _clean_text(value: object, max_length: int | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("Expected a string or null.")
    value = value.strip()
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"Ensure this field has no more than {max_length} characters.")
    return value or None


def _clean_link(value: object) -> str | None:
    text = _clean_text(value, LINK_MAX_LENGTH)
    if text is not None and not _URL_RE.match(text):
        raise ValueError("Expected an absolute http(s) URL or null.")
    return text


class _OwnMedia:
    """Recognizes absolute URLs of our own media and maps them back to the stored file name."""

    def __init__(self, media_prefix: str) -> None:
        prefixes = [media_prefix]
        if settings.PUBLIC_BASE_URL:
            prefixes.append(settings.PUBLIC_BASE_URL + settings.MEDIA_URL)
        self.locations = set()
        for prefix in prefixes:
            parts = urlsplit(prefix)
            self.locations.add(
                (parts.netloc.lower(), parts.path if parts.path.endswith("/") else parts.path + "/")
            )

    def clean(self, value: object) -> str | None:
        text = _clean_text(value, MEDIA_MAX_LENGTH)
        if text is None:
            return None
        if not _URL_RE.match(text):
            raise ValueError('Expected an absolute http(s) URL, or null/"" to clear.')
        parts = urlsplit(text)
        for netloc, path in self.locations:
            if parts.netloc.lower() == netloc and parts.path.startswith(path) and not parts.query:
                name = unquote(parts.path[len(path) :])
                if not _SAFE_MEDIA_NAME_RE.match(name) or ".." in name.split("/"):
                    raise ValueError("Not a valid media file URL.")
                return name
        # Someone else's image: stored and served as is (scheme lower-cased so it is recognized as absolute).
        return parts.scheme.lower() + text[len(parts.scheme) :]


def _clean_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Must be a valid boolean (true or false).")
    return value


def _clean_name(value: object) -> str | None:
    return _clean_text(value, NAME_MAX_LENGTH)


def _clean_default_name(value: object) -> str:
    text = _clean_text(value, NAME_MAX_LENGTH)
    if text is None:
        raise ValueError("This field may not be null or blank.")
    return text


def _clean_description(value: object) -> str | None:
    return _clean_text(value, None)


def _field_cleaners() -> dict[str, Callable[[object], Any]]:
    """key -> parser of its wire value (datetime and media keys are bound per request: they depend on
    TIME_ZONE and on our host)."""
    cleaners: dict[str, Callable[[object], Any]] = {}
    for lang in LANGUAGES:
        cleaners[f"name_{lang}"] = _clean_name
        cleaners[f"link_{lang}"] = _clean_link
        cleaners[f"description_{lang}"] = _clean_description
    cleaners[DEFAULT_NAME_KEY] = _clean_default_name
    cleaners["active"] = _clean_bool
    return cleaners


_CLEANERS = _field_cleaners()
_MEDIA_KEYS = tuple(f"{field}_{lang}" for field in MEDIA_FIELDS for lang in LANGUAGES)


def _cleaners(own_media: _OwnMedia) -> dict[str, Callable[[object], Any]]:
    return {
        **_CLEANERS,
        **dict.fromkeys(_MEDIA_KEYS, own_media.clean),
        "start_time": parse_wire_datetime,
        "removal_time": parse_wire_datetime,
    }


def _text_specs() -> dict[str, tuple[int, bool, bool]]:
    """key -> (max length, must not be blank, is a link) of the plain text fields, for the fast path of
    _clean_fields: a str it accepts is exactly one the field's cleaner returns unchanged (or as None)."""
    specs: dict[str, tuple[int, bool, bool]] = {}
    for lang in LANGUAGES:
        specs[f"name_{lang}"] = (NAME_MAX_LENGTH, False, False)
        specs[f"link_{lang}"] = (LINK_MAX_LENGTH, False, True)
        specs[f"description_{lang}"] = (sys.maxsize, False, False)
    specs[DEFAULT_NAME_KEY] = (NAME_MAX_LENGTH, True, False)
    return specs


_TEXT_SPECS = _text_specs()


def _clean_fields(
    raw: dict[str, Any], cleaners: dict[str, Callable[[object], Any]]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Per-field parsing of one item (no cross-field rules). Unknown keys are errors; "id" is left out."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    get, text_spec, url_match = cleaners.get, _TEXT_SPECS.get, _URL_RE.match
    for key, value in raw.items():
        if type(value) is str and (spec := text_spec(key)) is not None:
            # Inline the common case (no call per field); anything else goes to the cleaner, which
            # returns the same value or raises the error.
            text = value.strip()
            max_length, required, link = spec
            if (
                len(text) <= max_length
                and "\x00" not in text
                and (text or not required)
                and (not link or not text or url_match(text))
            ):
                values[key] = text or None
                continue
        cleaner = get(key)
        if cleaner is None:
            if key != "id":
                errors[key] = ["Unknown field."]
            continue
        try:
            values[key] = cleaner(value)
        except ValueError as exc:
            errors[key] = [str(exc)]
    return values, errors


def _time_window_errors(values: dict[str, Any], start: datetime | None, removal: datetime | None) -> dict:
    """removal_time must be after start_time (merged state); the error goes on a field the caller sent."""
    if start is None or removal is None or removal > start:
        return {}
    if "removal_time" in values or "start_time" not in values:
        return {"removal_time": ["Must be after start_time."]}
    return {"start_time": ["Must be before removal_time."]}


def clean_wire_item(
    *, item: dict[str, Any], media_prefix: str, for_create: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One wire item parsed by the API's own input rules, for code outside the API (a partner pull).

    Returns (values, {key: [messages]}): per-field parsing, the required keys when creating, and
    removal_time after start_time when the item carries both. "id" is ignored.
    """
    values, errors = _clean_fields(item, _cleaners(_OwnMedia(media_prefix)))
    if for_create:
        for key in REQUIRED_ON_CREATE:
            if key not in item:
                errors[key] = ["This field is required."]
    if not errors:
        errors = _time_window_errors(values, values.get("start_time"), values.get("removal_time"))
    return values, errors


def _check_items(items: object) -> list[Any]:
    if not isinstance(items, list):
        raise GiftRequestError("Expected a JSON array of gift objects.")
    limit = settings.GIFT_BULK_MAX_ITEMS
    if len(items) > limit:
        raise GiftRequestError(f"Too many items: {len(items)}; at most {limit} gifts per request.")
    return items


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


# --- Writes -------------------------------------------------------------------------------------------


def _column(name: str) -> str:
    return Gift._meta.get_field(name).column


def _sqlite_datetime(value: datetime) -> str:
    """Aware datetime -> the text Django keeps in SQLite ("2025-08-25 09:50:00[.ffffff]" in UTC)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return f"{value.date().isoformat()} {value.time().isoformat()}"  # a third of isoformat(" ")'s cost


def _datetime_adapter(connection: Any) -> Callable[[datetime], Any]:
    """Aware datetime -> database parameter. On SQLite the same text Django writes, without the ORM's
    per-call settings lookups."""
    if connection.vendor == "sqlite":
        return _sqlite_datetime
    return connection.ops.adapt_datetimefield_value


def _insert_batch_rows(connection: Any, columns_per_row: int) -> int:
    limit = connection.features.max_query_params or 65535
    return max(1, min(500, limit // columns_per_row))


def _insert_rows(rows: list[dict[str, Any]], *, owner_id: int | None) -> list[int]:
    """Insert cleaned rows; their ids in input order. Runs inside the caller's transaction.

    SQLite: one executemany, then the new ids read back (the write lock is held since BEGIN IMMEDIATE,
    and AUTOINCREMENT ids only grow, so they are exactly the ids above the previous maximum).
    Elsewhere: multi-row INSERT ... RETURNING.
    """
    connection = connections[Gift.objects.db]
    adapt = _datetime_adapter(connection)
    qn = connection.ops.quote_name
    now = adapt(timezone.now())
    text_keys = WRITABLE_KEYS[:-3]
    base_keys = [f"{field}_{DEFAULT_LANGUAGE}" for field in TRANSLATED_FIELDS]
    columns = [
        *(_column(key) for key in WRITABLE_KEYS),
        *(_column(field) for field in TRANSLATED_FIELDS),
        _column("owner"),
        _column("created_at"),
        _column("updated_at"),
    ]
    tail = (owner_id, now, now)
    params_rows = []
    for row in rows:
        get = row.get
        params_rows.append(
            [
                *map(get, text_keys),
                adapt(row["start_time"]),
                adapt(row["removal_time"]),
                get("active", True),
                *[get(key) or "" for key in base_keys],
                *tail,
            ]
        )
    table = qn(Gift._meta.db_table)
    pk = qn(_column("id"))
    head = f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert connection.in_atomic_block, "the new ids are read back under the transaction's lock"
            cursor.execute(f"SELECT MAX({pk}) FROM {table}", None)  # noqa: S608
            (before,) = cursor.fetchone()
            cursor.executemany(head + placeholder, params_rows)
            cursor.execute(
                f"SELECT {pk} FROM {table} WHERE {pk} > %(before)s ORDER BY {pk}",  # noqa: S608
                {"before": before or 0},
            )
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) != len(rows):
                raise RuntimeError(f"Inserted {len(rows)} gifts but found {len(ids)} new ids.")
            return ids
        if not connection.features.can_return_rows_from_bulk_insert:
            raise ImproperlyConfigured("The database must support INSERT ... RETURNING.")
        batch = _insert_batch_rows(connection, len(columns))
        ids = []
        for start in range(0, len(params_rows), batch):
            part = params_rows[start : start + batch]
            sql = head + ", ".join([placeholder] * len(part)) + f" RETURNING {pk}"
            cursor.execute(sql, [p for r in part for p in r])
            # Ids of one statement ascend in VALUES order (the sequence is monotonic), while RETURNING
            # itself promises no order: sort instead of trusting it.
            ids.extend(sorted(r[0] for r in cursor.fetchall()))
    return ids


def bulk_create_gifts(*, items: object, owner: Partner | None, media_prefix: str) -> list[int]:
    """Create gifts from wire items, all or nothing; returns their ids in input order.

    Required per item: name_<default language>, start_time, removal_time; active defaults to true;
    link is optional (the spec's own example omits it). Raises GiftRequestError / GiftValidationError.
    """
    items = _check_items(items)
    cleaners = _cleaners(_OwnMedia(media_prefix))
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, list[str]]] = []
    for raw in items:
        if not isinstance(raw, dict):
            errors.append({"non_field_errors": ["Expected a JSON object."]})
            rows.append({})
            continue
        values, item_errors = _clean_fields(raw, cleaners)
        if "id" in raw:
            item_errors["id"] = ["Must not be set when creating a gift."]
        for key in REQUIRED_ON_CREATE:
            if key not in raw:
                item_errors[key] = ["This field is required."]
        if not item_errors:
            item_errors = _time_window_errors(values, values["start_time"], values["removal_time"])
        errors.append(item_errors)
        rows.append(values)
    if any(errors):
        raise GiftValidationError(errors)
    if not rows:
        return []
    with transaction.atomic():
        return _insert_rows(rows, owner_id=owner.pk if owner else None)


def _utc(value: datetime | str) -> datetime:
    """A datetime as _fetch_current read it (SQLite: Django's UTC text) -> aware UTC datetime."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _fetch_current(ids: list[int], keys: Iterable[str]) -> dict[int, dict[str, Any]]:
    """Current values of `keys` (plus owner and time window) of the gifts, as the database hands them
    back (datetimes on SQLite: the stored text, so rows that keep them write them back untouched; see
    _utc()), locked for the rest of the transaction (SELECT ... FOR UPDATE where supported)."""
    connection = connections[Gift.objects.db]
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
        column = qn(name if name == "owner_id" else _column(name))
        # SQLite: read datetimes as text (the driver's converter is far slower, and they may not be needed).
        columns.append(
            f"CAST({column} AS TEXT)" if sqlite and name in ("start_time", "removal_time") else column
        )
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    current: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        for i in range(0, len(ids), _ID_CHUNK):
            chunk = ids[i : i + _ID_CHUNK]
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {qn(Gift._meta.db_table)} "  # noqa: S608  identifiers only
                f"WHERE {qn('id')} IN ({', '.join(['%s'] * len(chunk))}){lock}",
                chunk,
            )
            for row in cursor.fetchall():
                current[row[0]] = dict(zip(names, row))  # noqa: B905  same length by construction
    return current


def _update_rows(updates: list[tuple[int, dict[str, Any]]], current: dict[int, dict[str, Any]]) -> None:
    """One UPDATE statement run for every row (executemany), setting the union of the sent columns; a row
    that did not send a column keeps its current value (read under lock in the same transaction)."""
    connection = connections[Gift.objects.db]
    adapt = _datetime_adapter(connection)
    qn = connection.ops.quote_name
    sent_anywhere = set().union(*(values.keys() for _id, values in updates))
    sent = [key for key in WRITABLE_KEYS if key in sent_anywhere]
    base = [field for field in TRANSLATED_FIELDS if f"{field}_{DEFAULT_LANGUAGE}" in sent_anywhere]
    now = adapt(timezone.now())
    assignments = [*(_column(k) for k in sent), *(_column(f) for f in base), _column("updated_at")]
    sql = (
        f"UPDATE {qn(Gift._meta.db_table)} SET "  # noqa: S608  identifiers only
        + ", ".join(f"{qn(c)} = %s" for c in assignments)
        + f" WHERE {qn(_column('id'))} = %s"
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


def bulk_update_gifts(*, items: object, acting_partner: Partner | None, media_prefix: str) -> list[int]:
    """Update gifts from wire items with "id", all or nothing; returns the ids in input order.

    Each item is partial; validation runs against the merged state. Unknown ids, gifts the caller may
    not change (a partner changes only gifts its keys created; `acting_partner=None` is staff, who may
    change any) and ids repeated within the request are per-item errors.
    """
    items = _check_items(items)
    cleaners = _cleaners(_OwnMedia(media_prefix))
    errors: list[dict[str, list[str]]] = []
    cleaned: list[dict[str, Any]] = []
    ids: list[int | None] = []
    for raw in items:
        if not isinstance(raw, dict):
            errors.append({"non_field_errors": ["Expected a JSON object."]})
            cleaned.append({})
            ids.append(None)
            continue
        values, item_errors = _clean_fields(raw, cleaners)
        gift_id = raw.get("id")
        if "id" not in raw:
            item_errors["id"] = ["This field is required."]
        elif not _is_id(gift_id):
            item_errors["id"] = ["A valid integer id is required."]
            gift_id = None
        errors.append(item_errors)
        cleaned.append(values)
        ids.append(gift_id)
    counts = Counter(gift_id for gift_id in ids if gift_id is not None)
    if len(counts) != sum(counts.values()):
        for position, gift_id in enumerate(ids):
            if gift_id is not None and counts[gift_id] > 1:
                errors[position]["id"] = [f"Gift {gift_id} appears more than once in this request."]
    owner_id = acting_partner.pk if acting_partner is not None else None
    with transaction.atomic():
        sent = {key for values in cleaned for key in values}
        current = _fetch_current(sorted(gift_id for gift_id in counts if gift_id <= MAX_ID), sent)
        for position, gift_id in enumerate(ids):
            item_errors = errors[position]
            if gift_id is None or "id" in item_errors:
                continue
            state = current.get(gift_id)
            if state is None:
                item_errors["id"] = [f"Gift {gift_id} does not exist."]
            elif acting_partner is not None and state["owner_id"] != owner_id:
                item_errors["id"] = [f"Gift {gift_id} was not created by your partner account."]
            elif not item_errors:
                values = cleaned[position]
                start = values["start_time"] if "start_time" in values else _utc(state["start_time"])
                removal = values["removal_time"] if "removal_time" in values else _utc(state["removal_time"])
                if removal <= start:
                    errors[position] = _time_window_errors(values, start, removal)
        if any(errors):
            raise GiftValidationError(errors)
        updates = [(gift_id, values) for gift_id, values in zip(ids, cleaned, strict=True) if values]
        if updates:
            _update_rows(updates, current)
    return [gift_id for gift_id in ids if gift_id is not None]


def update_gift(*, gift_id: int, data: object, acting_partner: Partner | None, media_prefix: str) -> int:
    """Partial update of one gift (the spec's PUT; PATCH is the same). Unknown or not the caller's ->
    GiftNotFoundError; invalid -> GiftValidationError with {field: [messages]}."""
    if isinstance(data, dict) and "id" in data and data["id"] != gift_id:
        raise GiftValidationError({"id": ["Does not match the id in the URL."]})
    item = {**data, "id": gift_id} if isinstance(data, dict) else data
    try:
        bulk_update_gifts(items=[item], acting_partner=acting_partner, media_prefix=media_prefix)
    except GiftValidationError as exc:
        (item_errors,) = exc.errors
        if "id" in item_errors:  # unknown, or not the caller's: the URL names no gift of theirs
            raise GiftNotFoundError(gift_id) from None
        raise GiftValidationError(item_errors) from None
    return gift_id


def set_gifts_active(*, gift_ids: Iterable[int], active: bool) -> int:
    """Activate/deactivate gifts (admin actions). Bumps updated_at so list ETags and pushes see it."""
    return Gift.objects.filter(pk__in=list(gift_ids)).update(active=active, updated_at=timezone.now())
