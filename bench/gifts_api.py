"""The /external/gift/ hot paths against raw baselines, on the database DATABASE_URL names.

- Our side is the whole Django request: the project's WSGI handler (every middleware, URL resolution,
  API-key authentication, throttling, the queries, serialization), the body read to the end.
- Each baseline is a raw driver connection (sqlite3 or psycopg) to the same throwaway database doing the
  least work that gives the same result, with the same tricks allowed (the database may write the JSON):
  several raw ways are tried and the fastest is the baseline. Each one's bytes are checked equal to ours
  in the run itself (the writes' answers too, ids aside since they differ per run).
- Ours and the baseline alternate round by round; each figure is the median of the per-round ratios,
  with their quartiles, so a burst of noise on a shared machine moves one round, not the figure.
- Memory: peak traced Python memory of our streamed 100,000-gift answer against a raw baseline that
  streams too (a cursor read in chunks, the same bytes, nothing held whole).
- A naive DRF ModelSerializer view (bench/naive.py) is timed beside ours against the same baseline.
"""

from __future__ import annotations

import gc
import io
import os
import sqlite3
import statistics
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

TARGETS = {"list_100": 2.0, "list_10000": 1.3, "bulk_create": 5.0, "bulk_update": 4.0, "memory_100000": 1.2}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
LANGS = ("ro", "ru", "en", "uk")
TEXT_FIELDS = ("icon", "image", "name", "link", "description")  # wire order
WIRE_KEYS = (
    "id",
    *(f"{field}_{lang}" for field in TEXT_FIELDS for lang in LANGS),
    "start_time",
    "removal_time",
    "active",
)
TABLE = "catalog_gift"
STREAM_BATCH = 500  # rows per batch of a streamed list; asserted equal to ours in run()
HOST = "127.0.0.1:8000"
MEDIA_PREFIX = f"http://{HOST}/media/"  # what our API answers for a request to HOST


# --- the raw baselines: an independent reading of the wire format, per driver -------------------------


def wire_exprs(vendor: str) -> list[str]:
    """SQL per wire key: empty text -> NULL, media names -> absolute URLs, datetimes -> wire text (UTC).
    The media prefix is the one parameter, `%(prefix)s` (psycopg) or `:prefix` (sqlite3)."""
    prefix = ":prefix" if vendor == "sqlite" else "%(prefix)s"
    exprs = []
    for key in WIRE_KEYS:
        if key in ("id", "active"):
            exprs.append(key)
        elif key in ("start_time", "removal_time"):
            if vendor == "sqlite":
                exprs.append(f"replace(substr({key}, 1, 19), ' ', 'T')")
            else:
                exprs.append(f"""to_char({key} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')""")
        elif key.split("_")[0] in ("icon", "image"):
            absolute = f"(substr({key}, 1, 7) = 'http://' OR substr({key}, 1, 8) = 'https://')"
            exprs.append(
                f"CASE WHEN {key} <> '' THEN CASE WHEN {absolute} THEN {key} ELSE {prefix} || {key} END END"
            )
        else:
            exprs.append(f"CASE WHEN {key} <> '' THEN {key} END")
    return exprs


def raw_list_sql(vendor: str, how: str, where: str = "") -> str:
    """SELECT of the wire rows: `how` is "dicts" (columns for Python dicts + orjson) or "json" (one JSON
    object per row, written by the database)."""
    exprs = wire_exprs(vendor)
    if how == "dicts":
        return f"SELECT {', '.join(exprs)} FROM {TABLE}{where} ORDER BY id"
    if vendor == "sqlite":
        exprs[-1] = "json(CASE WHEN active THEN 'true' ELSE 'false' END)"
        pairs = ", ".join(f"'{key}', {expr}" for key, expr in zip(WIRE_KEYS, exprs, strict=True))
        return f"SELECT json_object({pairs}) FROM {TABLE}{where} ORDER BY id"
    columns = ", ".join(f"{expr} AS {key}" for key, expr in zip(WIRE_KEYS, exprs, strict=True))
    return f"SELECT row_to_json(w)::text FROM (SELECT {columns} FROM {TABLE}{where}) w ORDER BY w.id"


def _dicts_json(vendor: str, rows: Sequence[Sequence[Any]]) -> bytes:
    dicts = [dict(zip(WIRE_KEYS, row, strict=True)) for row in rows]
    if vendor == "sqlite":  # 0/1 -> false/true
        for item in dicts:
            item["active"] = bool(item["active"])
    return orjson.dumps(dicts)


def raw_list(conn: Any, vendor: str, how: str, *, prefix: str = MEDIA_PREFIX) -> bytes:
    """The whole list as the API's bytes, the raw way `how` ("dicts" or "json")."""
    cursor = conn.cursor()
    cursor.execute(raw_list_sql(vendor, how), {"prefix": prefix})
    rows = cursor.fetchall()
    cursor.close()
    if how == "dicts":
        return _dicts_json(vendor, rows)
    return ("[" + ",".join([row[0] for row in rows]) + "]").encode()


def raw_list_streamed(conn: Any, vendor: str, how: str, *, prefix: str = MEDIA_PREFIX) -> Iterator[bytes]:
    """The same bytes in batches of STREAM_BATCH rows from a cursor read in batches (server-side on
    PostgreSQL): the same batch size as ours streams (catalog.selectors.gift_wire.STREAM_BATCH)."""
    if vendor == "sqlite":
        cursor = conn.cursor()
    else:
        cursor = conn.cursor(name=f"bench_{uuid.uuid4().hex}", withhold=True)
    try:
        cursor.execute(raw_list_sql(vendor, how), {"prefix": prefix})
        yield b"["
        separator = b""
        while rows := cursor.fetchmany(STREAM_BATCH):
            if how == "dicts":
                body = _dicts_json(vendor, rows)[1:-1]
            else:
                body = ",".join([row[0] for row in rows]).encode()
            del rows  # not alive beside the next batch while it is fetched (ours does the same)
            if separator:
                yield separator  # its own chunk, as ours: joined to the body it would copy the body
            yield body
            separator = b","
        yield b"]"
    finally:
        cursor.close()


def raw_answer(conn: Any, vendor: str, first_id: int, last_id: int, *, prefix: str = MEDIA_PREFIX) -> bytes:
    """The bulk endpoints' answer for gifts first_id..last_id (written in that order, so by id)."""
    bounds = (
        " WHERE id BETWEEN :first AND :last"
        if vendor == "sqlite"
        else " WHERE id BETWEEN %(first)s AND %(last)s"
    )
    cursor = conn.cursor()
    cursor.execute(
        raw_list_sql(vendor, "json", where=bounds), {"prefix": prefix, "first": first_id, "last": last_id}
    )
    rows = cursor.fetchall()
    cursor.close()
    return ("[" + ",".join([row[0] for row in rows]) + "]").encode()


# --- the data -------------------------------------------------------------------------------------------

START = datetime(2025, 8, 25, 9, 50, tzinfo=UTC)


def gift_item(n: int, start: datetime = START) -> dict[str, Any]:
    """A wire item shaped like the spec's example: four names/links/descriptions, no media."""
    item: dict[str, Any] = {}
    for lang in LANGS:
        item[f"name_{lang}"] = f"Gift {n} ({lang})"
        item[f"link_{lang}"] = f"https://www.example.com/{lang}/gift/{n}/"
        item[f"description_{lang}"] = f"Description of gift {n} in {lang}, long enough to be realistic."
    item["start_time"] = (start + timedelta(minutes=n)).replace(tzinfo=None).isoformat()
    item["removal_time"] = (start + timedelta(days=5, minutes=n)).replace(tzinfo=None).isoformat()
    item["active"] = n % 3 != 0
    return item


INSERT_COLUMNS = [
    *WIRE_KEYS[1:],
    "name",
    "description",
    "link",
    "icon",
    "image",
    "owner_id",
    "created_at",
    "updated_at",
]


def insert_rows(vendor: str, items: Sequence[dict[str, Any]], owner_id: int, *, media: bool) -> list[list]:
    """Rows for INSERT_COLUMNS as the API stores them (plus a stored ro icon/image when `media`)."""
    now = datetime.now(UTC)
    stamp = _db_datetime(vendor, now)
    rows = []
    for item in items:
        row: list[Any] = []
        for key in WIRE_KEYS[1:-3]:
            if media and key in ("icon_ro", "image_ro"):
                row.append(f"gift_images/{uuid.uuid4()}.png")
            else:
                row.append(item.get(key))
        for key in ("start_time", "removal_time"):
            row.append(_db_datetime(vendor, datetime.fromisoformat(item[key]).replace(tzinfo=UTC)))
        row.append(item["active"])
        row += [item["name_ro"] or "", item["description_ro"] or "", item["link_ro"] or ""]
        row += [row[0] or "", row[4] or ""]  # icon, image: the ro values
        row += [owner_id, stamp, stamp]
        rows.append(row)
    return rows


def _db_datetime(vendor: str, value: datetime) -> Any:
    if vendor == "sqlite":  # Django's text form, in UTC
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def raw_insert(conn: Any, vendor: str, rows: Sequence[Sequence[Any]], how: str) -> tuple[int, int]:
    """Insert the rows in one transaction the raw way `how`; (first id, last id), in input order."""
    columns = ", ".join(INSERT_COLUMNS)
    if vendor == "sqlite":
        conn.execute("BEGIN IMMEDIATE")  # consecutive ids under the write lock
        placeholders = ", ".join("?" * len(INSERT_COLUMNS))
        conn.executemany(f"INSERT INTO {TABLE} ({columns}) VALUES ({placeholders})", rows)
        (last,) = conn.execute("SELECT last_insert_rowid()").fetchone()
        conn.execute("COMMIT")
        return last - len(rows) + 1, last
    with conn.transaction(), conn.cursor() as cursor:
        if how == "copy":  # ids taken from the sequence first: COPY returns none
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{TABLE}', 'id')) FROM generate_series(1, %s)",
                [len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            with cursor.copy(f"COPY {TABLE} (id, {columns}) FROM STDIN") as copy:
                for gift_id, row in zip(ids, rows, strict=True):
                    copy.write_row((gift_id, *row))
        else:  # "executemany": one prepared INSERT, pipelined
            placeholders = ", ".join(["%s"] * len(INSERT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {TABLE} ({columns}) VALUES ({placeholders}) RETURNING id",
                rows,
                returning=True,
            )
            ids = []
            while True:
                ids.extend(r[0] for r in cursor.fetchall())
                if not cursor.nextset():
                    break
    return ids[0], ids[-1]


def raw_update(conn: Any, vendor: str, rows: Sequence[Sequence[Any]], how: str) -> None:
    """Set active, start_time, removal_time and updated_at of rows (values..., id) in one transaction."""
    if vendor == "sqlite":
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            f"UPDATE {TABLE} SET active=?, start_time=?, removal_time=?, updated_at=? WHERE id=?",
            rows,
        )
        conn.execute("COMMIT")
        return
    with conn.transaction(), conn.cursor() as cursor:
        if how == "unnest":  # one statement, the values as arrays
            columns = list(zip(*rows, strict=True))
            cursor.execute(
                f"UPDATE {TABLE} g SET active = v.a, start_time = v.s, removal_time = v.r, updated_at = v.u "
                "FROM unnest(%s::bool[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[], "
                "%s::bigint[]) AS v(a, s, r, u, id) WHERE g.id = v.id",
                [list(c) for c in columns],
            )
        else:
            cursor.executemany(
                f"UPDATE {TABLE} SET active=%s, start_time=%s, removal_time=%s, updated_at=%s WHERE id=%s",
                rows,
            )


# --- timing ---------------------------------------------------------------------------------------------


@dataclass
class Figure:
    ours: float  # medians, seconds
    raw: float
    ratio: float  # median of the per-round ratios
    low: float  # its quartiles
    high: float


def paired(
    raw: Callable[[], Any],
    ours: Callable[[], Any],
    *,
    rounds: int,
    inner: int = 1,
    setup: Callable[[], Any] | None = None,
) -> Figure:
    """Alternate raw and ours for `rounds` rounds (each timing the mean of `inner` calls)."""
    ours_times, raw_times, ratios = [], [], []
    for n in range(rounds):
        pair = {}
        for name, fn in (("raw", raw), ("ours", ours)) if n % 2 == 0 else (("ours", ours), ("raw", raw)):
            total = 0.0
            for _ in range(inner):
                if setup is not None:
                    setup()
                gc.collect()
                started = time.perf_counter()
                fn()
                total += time.perf_counter() - started
            pair[name] = total / inner
        ours_times.append(pair["ours"])
        raw_times.append(pair["raw"])
        ratios.append(pair["ours"] / pair["raw"])
    q1, _median, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
    return Figure(
        statistics.median(ours_times), statistics.median(raw_times), statistics.median(ratios), q1, q3
    )


def fastest(candidates: dict[str, Callable[[], Any]], *, rounds: int, inner: int = 1, setup=None) -> str:
    """The raw way with the lowest median time."""
    medians = {}
    for name, fn in candidates.items():
        times = []
        for _ in range(rounds):
            if setup is not None:
                setup()
            gc.collect()
            started = time.perf_counter()
            for _ in range(inner):
                fn()
            times.append(time.perf_counter() - started)
        medians[name] = statistics.median(times)
    return min(medians, key=medians.get)


def line(name: str, figure: Figure, how: str, extra: str = "") -> str:
    verdict = "PASS" if figure.ratio <= TARGETS[name] else "FAIL"
    return (
        f"{name:<13} {figure.ratio:5.2f}x [{figure.low:.2f}-{figure.high:.2f}] (target <= {TARGETS[name]}x) "
        f"{verdict}   ours {figure.ours * 1000:8.2f} ms, raw {figure.raw * 1000:8.2f} ms ({how}){extra}"
    )


# --- the Django side --------------------------------------------------------------------------------------


class Wsgi:
    """Requests through the project's WSGI application, as gunicorn would call it."""

    def __init__(self, key: str) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.auth = f"Api-Key {key}"

    def __call__(
        self, method: str, path: str, body: bytes = b"", *, query: str = "", sink: bool = False
    ) -> tuple[int, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "HTTP_AUTHORIZATION": self.auth,
            "HTTP_ACCEPT": "application/json",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status: list[str] = []
        result = self.handler(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            if sink:  # count the bytes without keeping them (the memory figure)
                size = sum(len(chunk) for chunk in result)
                content = str(size).encode()
            else:
                content = b"".join(result)
        finally:
            result.close()
        return int(status[0].split()[0]), content


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giftoffice.settings")
    os.environ.setdefault("GIFTOFFICE_NAIVE_API", "1")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from django.conf import settings
    from rest_framework.settings import api_settings

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"partner_key_read": "10000000/min", "partner_key_write": "10000000/min"},
    }
    api_settings.reload()


def _raw_connect(settings_dict: dict[str, Any], vendor: str) -> Any:
    if vendor == "sqlite":
        conn = sqlite3.connect(settings_dict["NAME"], isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    import psycopg

    return psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        autocommit=True,
    )


def _describe(connection: Any) -> str:
    if connection.vendor == "sqlite":
        version = sqlite3.sqlite_version
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    persistent = connection.settings_dict.get("CONN_MAX_AGE")
    return (
        f"database: {connection.vendor} {version}, throwaway {connection.settings_dict['NAME']} "
        f"(CONN_MAX_AGE={persistent}, health checks {connection.settings_dict.get('CONN_HEALTH_CHECKS')}); "
        f"median of {ROUNDS} alternating rounds, [quartiles] of the per-round ratio"
    )


def run() -> list[str]:
    _setup_django()
    from django.db import connection, connections

    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return [_describe(connection), *_run(connection)]
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(original, verbosity=0)


def _seed(conn: Any, vendor: str, first: int, count: int, owner_id: int) -> None:
    rows = insert_rows(vendor, [gift_item(n) for n in range(first, first + count)], owner_id, media=True)
    raw_insert(conn, vendor, rows, "executemany")


def _same(name: str, ours: bytes, raw: bytes) -> None:
    if ours != raw:
        at = next(
            (i for i, (a, b) in enumerate(zip(ours, raw, strict=False)) if a != b), min(len(ours), len(raw))
        )
        raise AssertionError(
            f"{name}: ours and the baseline differ at byte {at}: "
            f"{ours[at - 60 : at + 60]!r} / {raw[at - 60 : at + 60]!r}"
        )


def _without_ids(body: bytes) -> bytes:
    return orjson.dumps([{k: v for k, v in item.items() if k != "id"} for item in orjson.loads(body)])


def _run(connection: Any) -> list[str]:
    from catalog.selectors.gift_wire import STREAM_BATCH as ours_batch
    from catalog.services.api_keys import create_api_key, get_or_create_partner

    assert ours_batch == STREAM_BATCH, "the streamed baseline must read in the batches ours does"

    vendor = connection.vendor
    partner, _ = get_or_create_partner(name="Bench partner")
    key = create_api_key(partner=partner, can_write=True).plain_key
    call = Wsgi(key)
    conn = _raw_connect(connection.settings_dict, vendor)
    lines = []

    def ours_list() -> bytes:
        status, body = call("GET", "/external/gift/")
        assert status == 200, (status, body[:300])
        return body

    def naive_list() -> bytes:
        status, body = call("GET", "/naive/external/gift/", query="limit=100000")
        assert status == 200, (status, body[:300])
        return body

    # --- lists of 100 and 10,000 --------------------------------------------------------------------
    for name, total, inner in (("list_100", 100, 20), ("list_10000", 10000, 1)):
        _seed(conn, vendor, _count(conn) + 1, total - _count(conn), partner.pk)
        ways = {how: (lambda how=how: raw_list(conn, vendor, how)) for how in ("dicts", "json")}
        ours_body = ours_list()
        for how, fn in ways.items():
            _same(f"{name} ({how})", ours_body, fn())
        how = fastest(ways, rounds=5, inner=inner)
        figure = paired(ways[how], ours_list, rounds=ROUNDS, inner=inner)
        naive = paired(ways[how], naive_list, rounds=max(3, ROUNDS // 3), inner=max(1, inner // 4))
        lines.append(line(name, figure, how, f"; naive DRF {naive.ratio:.1f}x ({naive.ours * 1000:.2f} ms)"))

    # --- bulk-create 1,000 ----------------------------------------------------------------------------
    items = [gift_item(n, START + timedelta(days=2)) for n in range(1000)]
    create_body = orjson.dumps(items)
    top = _max_id(conn)

    def cleanup() -> None:
        cursor = conn.cursor()
        cursor.execute(f"DELETE FROM {TABLE} WHERE id > {top}")
        cursor.close()

    def ours_create() -> bytes:
        status, body = call("POST", "/external/gift/bulk-create/", create_body)
        assert status == 201, (status, body[:300])
        return body

    def raw_create(how: str) -> bytes:
        rows = insert_rows(vendor, items, partner.pk, media=False)
        first, last = raw_insert(conn, vendor, rows, how)
        return raw_answer(conn, vendor, first, last)

    create_ways = {how: (lambda how=how: raw_create(how)) for how in _insert_ways(vendor)}
    cleanup()
    ours_body = ours_create()
    for how, fn in create_ways.items():
        cleanup()
        _same(f"bulk_create ({how})", _without_ids(ours_body), _without_ids(fn()))
    how = fastest(create_ways, rounds=5, setup=cleanup)
    figure = paired(create_ways[how], ours_create, rounds=ROUNDS, setup=cleanup)
    cleanup()
    lines.append(line("bulk_create", figure, how))

    # --- bulk-update 1,000 ----------------------------------------------------------------------------
    ids = list(range(1, 1001))
    changes = [
        {
            "id": gift_id,
            "active": n % 2 == 0,
            "start_time": (START + timedelta(hours=n % 24)).replace(tzinfo=None).isoformat(),
            "removal_time": (START + timedelta(days=6, hours=n % 24)).replace(tzinfo=None).isoformat(),
        }
        for n, gift_id in enumerate(ids)
    ]
    update_body = orjson.dumps(changes)

    def ours_update() -> bytes:
        status, body = call("PUT", "/external/gift/bulk-update/", update_body)
        assert status == 200, (status, body[:300])
        return body

    def raw_update_answer(how: str) -> bytes:
        stamp = _db_datetime(vendor, datetime.now(UTC))
        rows = [
            [
                c["active"],
                _db_datetime(vendor, datetime.fromisoformat(c["start_time"]).replace(tzinfo=UTC)),
                _db_datetime(vendor, datetime.fromisoformat(c["removal_time"]).replace(tzinfo=UTC)),
                stamp,
                c["id"],
            ]
            for c in changes
        ]
        raw_update(conn, vendor, rows, how)
        return raw_answer(conn, vendor, ids[0], ids[-1])

    update_ways = {how: (lambda how=how: raw_update_answer(how)) for how in _update_ways(vendor)}
    ours_body = ours_update()
    for how, fn in update_ways.items():
        _same(f"bulk_update ({how})", ours_body, fn())
    how = fastest(update_ways, rounds=5)
    figure = paired(update_ways[how], ours_update, rounds=ROUNDS)
    lines.append(line("bulk_update", figure, how))

    # --- queries per request: constant in the number of items -----------------------------------------
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (10, 100, 1000):
        with CaptureQueriesContext(connection) as created:
            call("POST", "/external/gift/bulk-create/", orjson.dumps(items[:size]))
        cleanup()
        with CaptureQueriesContext(connection) as updated:
            call("PUT", "/external/gift/bulk-update/", orjson.dumps(changes[:size]))
        counts.append(f"{size}: create {len(created)} / update {len(updated)}")
    lines.append(
        "queries       " + "; ".join(counts) + " (whole request: key lookup, health check, read-back)"
    )

    # --- peak memory serving 100,000, streamed against streamed ---------------------------------------
    _seed(conn, vendor, _count(conn) + 1, 100000 - _count(conn), partner.pk)

    def streamed(how: str) -> Callable[[], int]:
        return lambda: sum(len(chunk) for chunk in raw_list_streamed(conn, vendor, how))

    def ours_streamed() -> int:
        status, size = call("GET", "/external/gift/", sink=True)
        assert status == 200
        return int(size)

    peaks = {}
    for name, fn in (("dicts", streamed("dicts")), ("json", streamed("json")), ("ours", ours_streamed)):
        gc.collect()
        tracemalloc.start()
        size = fn()
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    how = min(("dicts", "json"), key=peaks.get)
    ratio = peaks["ours"] / peaks[how]
    verdict = "PASS" if ratio <= TARGETS["memory_100000"] else "FAIL"
    lines.append(
        f"memory_100000 {ratio:5.2f}x (target <= {TARGETS['memory_100000']}x) {verdict}   "
        f"ours {peaks['ours'] / 2**20:8.2f} MiB, raw {peaks[how] / 2**20:8.2f} MiB "
        f"({how}, both streamed in batches of {STREAM_BATCH:,}; {size / 1e6:.0f} MB body)"
    )
    _same("memory_100000 body", ours_list(), b"".join(raw_list_streamed(conn, vendor, how)))
    lines += _fastpaths(conn, vendor, partner, key, items)
    conn.close()
    return lines


def _fastpaths(conn: Any, vendor: str, partner: Any, key: str, items: list[dict[str, Any]]) -> list[str]:
    """Each fast path of catalog/fastpaths/ against the plain path it replaces (GIFT_FAST_PATHS=0),
    same run, same data: the figure that justifies it."""
    from django.conf import settings
    from django.db import transaction

    from catalog.models import PartnerApiKey
    from catalog.selectors import GiftListFilter, gift_wire
    from catalog.services import gift_input
    from catalog.services.api_keys import authenticate_api_key, hash_key
    from catalog.services.gifts import _insert_rows, _update_rows

    def plain(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run_plain() -> Any:
            settings.GIFT_FAST_PATHS = False
            try:
                return fn()
            finally:
                settings.GIFT_FAST_PATHS = True

        return run_plain

    lines = []
    ten_thousand = GiftListFilter(limit=10000)

    def list_json() -> bytes:
        return gift_wire.wire_json(ten_thousand, media_prefix=MEDIA_PREFIX)

    if vendor == "sqlite":  # PostgreSQL has no JSON fast path (catalog/selectors/gift_wire.py says why)
        _same("fastpath list_json", list_json(), plain(list_json)())
        figure = paired(plain(list_json), list_json, rounds=ROUNDS)
        lines.append(_fast_line("list_json", figure, "the database writes the JSON / Python dicts + orjson"))

    cleaned = [
        gift_input.clean_fields(item, gift_input.request_cleaners(gift_input.OwnMedia(MEDIA_PREFIX)))[0]
        for item in items
    ]
    top = _max_id(conn)

    def cleanup() -> None:
        cursor = conn.cursor()
        cursor.execute(f"DELETE FROM {TABLE} WHERE id > {top}")
        cursor.close()

    def insert() -> list[int]:
        with transaction.atomic():
            return _insert_rows(cleaned, owner_id=partner.pk)

    how = "COPY" if vendor == "postgresql" else "executemany"
    figure = paired(plain(insert), insert, rounds=ROUNDS, setup=cleanup)
    cleanup()
    lines.append(_fast_line("insert_1000", figure, f"{how} / Gift.objects.bulk_create"))

    ids = insert()
    # Every row sends the same columns, so no row falls back to its current (locked) values.
    updates = [(gift_id, {"name_ro": f"Bench {n}", "active": n % 2 == 0}) for n, gift_id in enumerate(ids)]
    current: dict[int, dict[str, Any]] = {gift_id: {} for gift_id in ids}

    def update() -> None:
        with transaction.atomic():
            _update_rows(updates, current)

    figure = paired(plain(update), update, rounds=ROUNDS)
    cleanup()
    lines.append(_fast_line("update_1000", figure, "executemany UPDATE / Gift.objects.bulk_update"))

    def lookup() -> Any:
        return authenticate_api_key(plain_key=key, defer_touch=True)

    def orm_lookup() -> Any:
        return PartnerApiKey.objects.select_related("partner").get(key_hash=hash_key(key), revoked_at=None)

    figure = paired(orm_lookup, lookup, rounds=ROUNDS, inner=200)
    lines.append(_fast_line("key_lookup", figure, "hand SQL + Model.from_db / select_related().get()"))
    return lines


def _fast_line(name: str, figure: Figure, what: str) -> str:
    return (
        f"fastpath {name:<12} {figure.ratio:5.2f}x the plain path [{figure.low:.2f}-{figure.high:.2f}]   "
        f"fast {figure.ours * 1000:8.3f} ms, plain {figure.raw * 1000:8.3f} ms ({what})"
    )


def _insert_ways(vendor: str) -> tuple[str, ...]:
    return ("executemany",) if vendor == "sqlite" else ("executemany", "copy")


def _update_ways(vendor: str) -> tuple[str, ...]:
    return ("executemany",) if vendor == "sqlite" else ("executemany", "unnest")


def _count(conn: Any) -> int:
    cursor = conn.cursor()
    cursor.execute(f"SELECT count(*) FROM {TABLE}")
    (count,) = cursor.fetchone()
    cursor.close()
    return count


def _max_id(conn: Any) -> int:
    cursor = conn.cursor()
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}")
    (top,) = cursor.fetchone()
    cursor.close()
    return top
