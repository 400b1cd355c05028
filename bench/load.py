"""`make load`: a bounded load run of the partner API under gunicorn on PostgreSQL, ours beside the
naive DRF views (bench/naive.py) in the same server and the same run.

A throwaway database (test_<name of DATABASE_URL's database>) gets LOAD_GIFTS gifts; gunicorn serves
the project on 127.0.0.1 only (LOAD_WORKERS sync workers, persistent connections as in production);
LOAD_CONCURRENCY client threads then send requests for at most LOAD_SECONDS or LOAD_REQUESTS per
scenario, whichever comes first. Scenarios run twice in ABBA order and their latencies are pooled.
Prints requests/s and p50/p99 latency per scenario: a page of 100 and a single gift.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("LOAD_SECONDS", "5"))
REQUESTS = int(os.environ.get("LOAD_REQUESTS", "3000"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "4"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "2"))
GIFTS = int(os.environ.get("LOAD_GIFTS", "1000"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _hammer(port: int, path: str, key: str) -> tuple[float, list[float], int]:
    """(elapsed seconds, latencies, errors) of CONCURRENCY threads GETting `path`, bounded."""
    latencies: list[float] = []
    errors = [0]
    sent = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= REQUESTS:
                    return
                sent[0] += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Authorization": f"Api-Key {key}", "Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, latencies, errors[0]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giftoffice.settings")
    os.environ["GIFTOFFICE_NAIVE_API"] = "1"
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("make load runs on PostgreSQL: set DATABASE_URL=postgres://... (make load does)")
        return 1
    from bench.gifts_api import _raw_connect, _seed
    from catalog.services.api_keys import create_api_key, get_or_create_partner

    original = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    server = None
    try:
        partner, _ = get_or_create_partner(name="Load partner")
        key = create_api_key(partner=partner, can_write=False).plain_key
        raw = _raw_connect(connection.settings_dict, "postgresql")
        _seed(raw, "postgresql", 1, GIFTS, partner.pk)
        raw.close()
        connection.close()
        settings = connection.settings_dict
        host, db_port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
        url = f"postgres://{settings['USER']}@{host}:{db_port}/{test_name}"
        if settings.get("PASSWORD"):
            url = url.replace("@", f":{settings['PASSWORD']}@", 1)
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "0",
            "GIFTOFFICE_TESTING": "1",
            "GIFTOFFICE_NAIVE_API": "1",
            "LOG_LEVEL": "WARNING",
            "PARTNER_THROTTLE_READ": "100000000/min",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "giftoffice.wsgi", "-b", f"127.0.0.1:{port}",
             "-w", str(WORKERS), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        _wait_for(port)
        scenarios = {
            "page of 100   ours ?after=0&limit=100": "/external/gift/?after=0&limit=100",
            "page of 100   ours ?limit=100": "/external/gift/?limit=100",
            "page of 100   naive DRF ?limit=100": "/naive/external/gift/?limit=100",
            "single gift   ours": "/external/gift/1/",
            "single gift   naive DRF": "/naive/external/gift/1/",
        }
        pooled: dict[str, tuple[float, list[float], int]] = {name: (0.0, [], 0) for name in scenarios}
        _hammer(port, "/external/gift/1/", key)  # warm both workers up
        order = list(scenarios)
        for pass_order in (order, list(reversed(order))):
            for name in pass_order:
                elapsed, latencies, errors = _hammer(port, scenarios[name], key)
                total, seen, failed = pooled[name]
                pooled[name] = (total + elapsed, seen + latencies, failed + errors)
        print(
            f"gunicorn {WORKERS} sync workers on 127.0.0.1, {CONCURRENCY} client threads, at most "
            f"{SECONDS:g} s or {REQUESTS} requests per scenario and pass (2 passes, ABBA); {GIFTS} gifts "
            f"in {test_name}"
        )
        for name, (elapsed, latencies, errors) in pooled.items():
            p50, p99 = statistics.median(latencies) * 1000, _percentile(latencies, 0.99) * 1000
            print(
                f"{name:<40} {len(latencies) / elapsed:7.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
                f"   ({len(latencies)} requests, {errors} errors)"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.close()
        connection.creation.destroy_test_db(original, verbosity=0)
    return 0


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


if __name__ == "__main__":
    sys.exit(main())
