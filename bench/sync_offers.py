"""GamesDrop catalog sync of a 100,000-offer sandbox catalog, end to end over HTTP.

A fresh SQLite database in a temp dir; the sandbox served by gunicorn in a subprocess; in a second
subprocess (its own settings), three timings, each the best of a few rounds:

- baseline: the same pages fetched with plain `requests`, upserted with one raw
  `executemany(INSERT ... ON CONFLICT (offer_group_id) DO UPDATE ...)` into a copy of the offer table
  (same columns and indexes), in one transaction;
- first sync: `sync_offers()` into an empty catalog (target <= 2x the baseline);
- repeat sync: `sync_offers()` of the unchanged catalog (target <= 0.5x the first sync); the feed's
  fingerprint matches the last one, so no row is compared. For the record, the same repeat with the
  fingerprint forgotten (every row compared, still nothing written) is printed too.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OFFERS = int(os.environ.get("BENCH_SYNC_OFFERS", "100000"))
ROUNDS = int(os.environ.get("BENCH_SYNC_ROUNDS", "3"))
ROOT = Path(__file__).resolve().parent.parent
FIRST_TARGET, REPEAT_TARGET = 2.0, 0.5


def run() -> list[str]:
    url = os.environ.get("DATABASE_URL", "")
    if url and not url.startswith("sqlite"):
        # Its baseline is a raw sqlite3 upsert into a copy of the offer table: no PostgreSQL twin yet.
        return ["skipped: this bench runs on SQLite only (its baseline is raw sqlite3); run `make bench`"]
    with tempfile.TemporaryDirectory(prefix="bench-sync-offers-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "giftoffice.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "GIFTOFFICE_SANDBOX": "1",
            "GIFTOFFICE_TESTING": "1",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "GIFTOFFICE_SANDBOX_GAMESDROP_OFFERS": str(OFFERS),
            "GIFTOFFICE_SANDBOX_GAMESDROP_PROFILE": "MIXED",
        }
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        port = _free_port()
        env["GAMESDROP_BASE_URL"] = f"http://127.0.0.1:{port}/sandbox/gamesdrop"
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "giftoffice.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--log-level",
             "warning", "--timeout", "120"],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        try:
            worker = subprocess.run(
                [python, "-m", "bench.sync_offers", "--worker"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as exc:
            return [f"sync_offers bench crashed FAIL: {exc.stderr.strip().splitlines()[-1:]}"]
        finally:
            server.terminate()
            server.wait(timeout=10)
    result = json.loads(worker.stdout.strip().splitlines()[-1])
    return _report(result)


def _report(r: dict) -> list[str]:
    first_ratio = r["first"] / r["baseline"]
    repeat_ratio = r["repeat"] / r["first"]
    verdict = lambda ok: "PASS" if ok else "FAIL"  # noqa: E731
    return [
        f"catalog: {r['offers']:,} offers in {r['pages']} pages of {r['page_size']} "
        f"(best of {r['rounds']}; fetch and parse alone {r['fetch']:.2f}s)",
        f"baseline requests + executemany upsert: {r['baseline']:.2f}s",
        f"first sync_offers (all created): {r['first']:.2f}s = {first_ratio:.2f}x baseline "
        f"(target <= {FIRST_TARGET}x) {verdict(first_ratio <= FIRST_TARGET and r['first_ok'])}",
        f"repeat sync_offers (unchanged, 0 updated): {r['repeat']:.2f}s = {repeat_ratio:.2f}x first sync "
        f"(target <= {REPEAT_TARGET}x) {verdict(repeat_ratio <= REPEAT_TARGET and r['repeat_ok'])}",
        f"  (info) same repeat with the feed fingerprint forgotten, all rows compared: {r['compare']:.2f}s = "
        f"{r['compare'] / r['first']:.2f}x first sync",
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the measuring process --------------------------------------------------------------------------


def _wait_for_server(url: str, headers: dict) -> None:
    import requests

    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/api/v1/offers/balance", headers=headers, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox server did not start")
        time.sleep(0.1)


def _baseline_table(connection) -> tuple[str, list[str]]:
    """A copy of the offer table (columns, unique key and indexes) for the raw upsert."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'catalog_offer' AND sql IS NOT NULL")
        statements = [row[0] for row in cursor.fetchall()]
        cursor.execute("DROP TABLE IF EXISTS bench_offer")
        for sql in statements:
            cursor.execute(
                sql.replace('"catalog_offer', '"bench_offer').replace("catalog_offer", "bench_offer")
            )
        cursor.execute("PRAGMA table_info(bench_offer)")
        columns = [row[1] for row in cursor.fetchall()]
    return "bench_offer", columns


def _baseline(connection, url: str, headers: dict, page_size: int) -> tuple[float, int]:
    import requests
    from django.db import transaction
    from django.utils import timezone

    table, _columns = _baseline_table(connection)
    cols = [
        "offer_group_id", "product_id", "product_name", "name", "category", "supplier_price", "currency",
        "in_stock", "settlement_method", "requires_game_user_id", "requires_game_server_id", "returns_key",
        "price_alert", "created_at", "updated_at",
    ]  # fmt: skip
    updates = ", ".join(f"{c} = excluded.{c}" for c in [*cols[1:12], "updated_at"])
    sql = (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
        f"ON CONFLICT (offer_group_id) DO UPDATE SET {updates}"
    )
    session = requests.Session()
    started = time.perf_counter()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    page = 1
    while True:
        body = session.post(
            f"{url}/api/v1/offers/sync", json={"limit": page_size, "page": page}, headers=headers, timeout=60
        ).json()
        rows.extend(
            (r["offerGroupId"], r["productId"], r["productName"], r["offerGroupName"], r["category"],
             r["price"], r["currency"], r["inStock"], r["settlementMethod"], r["isRequiredGameUserId"],
             r["isRequiredGameServerId"], r["isReturnDataForCustomer"], False, now, now)
            for r in body["rows"]
        )  # fmt: skip
        if len(body["rows"]) < page_size or len(rows) >= body["count"]:
            break
        page += 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return time.perf_counter() - started, page


def _fetch_only(url: str, token: str, page_size: int) -> float:
    from giftoffice.integrations.gamesdrop import GamesDropClient

    client = GamesDropClient(base_url=url, token=token)
    started = time.perf_counter()
    sum(len(p.rows) for p in client.iter_sync_pages(limit=page_size))
    return time.perf_counter() - started


def worker() -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from catalog.models import Offer, OfferFeedState, OfferPriceChange, SyncRun
    from catalog.services.offers import sync_offers

    url, token, page_size = (
        settings.GAMESDROP_BASE_URL,
        settings.GAMESDROP_TOKEN,
        settings.GAMESDROP_SYNC_PAGE_SIZE,
    )
    headers = {"Authorization": token}
    _wait_for_server(url, headers)

    baseline, pages = min(_baseline(connection, url, headers, page_size) for _ in range(ROUNDS))
    fetch = min(_fetch_only(url, token, page_size) for _ in range(ROUNDS))

    firsts, repeats, first_ok, repeat_ok = [], [], True, True
    for _ in range(ROUNDS):
        OfferPriceChange.objects.all().delete()
        Offer.objects.all().delete()
        started = time.perf_counter()
        run = sync_offers()
        firsts.append(time.perf_counter() - started)
        first_ok &= (run.created, run.status) == (OFFERS, "succeeded")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run = sync_offers()
        repeats.append(time.perf_counter() - started)
        repeat_ok &= (run.created, run.updated, run.unchanged, run.status) == (0, 0, OFFERS, "succeeded")
    compares = []
    for _ in range(ROUNDS):
        OfferFeedState.objects.all().delete()  # forget the fingerprint: compare all 100,000 rows
        started = time.perf_counter()
        run = sync_offers()
        compares.append(time.perf_counter() - started)
        repeat_ok &= (run.created, run.updated, run.unchanged, run.status) == (0, 0, OFFERS, "succeeded")
    SyncRun.objects.all().delete()
    return {
        "offers": OFFERS,
        "pages": pages,
        "page_size": page_size,
        "rounds": ROUNDS,
        "baseline": baseline,
        "fetch": fetch,
        "first": min(firsts),
        "repeat": min(repeats),
        "compare": min(compares),
        "first_ok": first_ok,
        "repeat_ok": repeat_ok,
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        print(json.dumps(worker()))
    else:
        print("\n".join(run()))
