"""The production profile (giftoffice/gunicorn.conf.py) over real HTTP on 127.0.0.1: gunicorn with its
threaded workers, on the test database. Bounded: small bodies, a 2 s body deadline, a few sockets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from catalog.models import Gift
from tests.api.factories import GiftFactory, PartnerFactory, issue_key
from tests.conftest import poll_until

ROOT = Path(settings.BASE_DIR)
NEW = {"name_ro": "Cadou", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}
BODY_TIMEOUT = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def gunicorn(transactional_db, request):
    """gunicorn -c giftoffice/gunicorn.conf.py on a free port; extra env from the `gunicorn_env` mark."""
    port = _free_port()
    marker = request.node.get_closest_marker("gunicorn_env")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESSLOG": "",
        "REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT),
        **(marker.kwargs if marker else {}),
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "giftoffice/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        poll_until(lambda: _answers(port), timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def partner():
    return PartnerFactory()


@pytest.fixture
def key(partner):
    return issue_key(partner=partner)


def _chunked(payload: object):
    body = json.dumps(payload).encode()
    yield body[:7]
    yield body[7:]


def test_gunicorn_reads_a_chunked_put_and_bulk_create(gunicorn, key, partner):
    gift = GiftFactory(owner=partner, active=True)
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}

    put = requests.put(
        f"{gunicorn}/external/gift/{gift.pk}/", data=_chunked({"active": False}), headers=headers
    )
    created = requests.post(f"{gunicorn}/external/gift/bulk-create/", data=_chunked([NEW]), headers=headers)

    assert (put.status_code, put.json()["active"]) == (200, False)
    assert created.status_code == 201
    assert Gift.objects.count() == 2
    gift.refresh_from_db()
    assert gift.active is False


@pytest.mark.gunicorn_env(DATA_UPLOAD_MAX_MEMORY_SIZE="2000")
def test_gunicorn_refuses_a_chunked_body_over_the_limit_with_413(gunicorn, key):
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}

    response = requests.post(
        f"{gunicorn}/external/gift/bulk-create/",
        data=_chunked([{**NEW, "description_ro": "d" * 3000}]),
        headers=headers,
    )

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body exceeds the limit of 2000 bytes."}
    assert Gift.objects.count() == 0


@pytest.mark.gunicorn_env(PARTNER_THROTTLE_READ="10/day", WEB_CONCURRENCY="3")
def test_the_read_limit_holds_across_worker_processes(gunicorn, key):
    # each request on a new connection, so the 3 worker processes share them
    statuses = [
        requests.get(f"{gunicorn}/external/gift/", headers={"Authorization": f"Api-Key {key}"}).status_code
        for _ in range(25)
    ]

    assert statuses.count(200) == 10
    assert statuses.count(429) == 15


@pytest.mark.gunicorn_env(AUTH_FAILURE_RATE="5/day", WEB_CONCURRENCY="3")
def test_failed_authentications_are_limited_across_worker_processes(gunicorn):
    statuses = [
        requests.get(
            f"{gunicorn}/external/gift/", headers={"Authorization": "Api-Key gk_bad_guess"}
        ).status_code
        for _ in range(12)
    ]

    assert statuses == [401] * 5 + [429] * 7


def _stall(url: str, declared: int) -> socket.socket:
    """Send headers declaring `declared` bytes of body, and a few bytes of it; then nothing."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=BODY_TIMEOUT * 5)
    sock.sendall(
        (
            f"POST /external/gift/bulk-create/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n[{{"
        ).encode()
    )
    return sock


def _status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    sock.close()
    return int(data.split(b" ", 2)[1])


@pytest.mark.gunicorn_env(WEB_CONCURRENCY="1", GUNICORN_THREADS="4")
def test_slow_clients_declaring_a_large_body_are_answered_413_at_once_and_block_nobody(gunicorn, key):
    # given: 5 clients declare 11 MB (over the 10 MB limit) and stall, on one worker of 4 threads
    stalled = [_stall(gunicorn, 11 * 1024 * 1024) for _ in range(5)]

    # when
    statuses = [_status(sock) for sock in stalled]
    read = requests.get(f"{gunicorn}/external/gift/", headers={"Authorization": f"Api-Key {key}"}, timeout=10)

    # then: answered without waiting for the body (else the deadline would have made them 408s), and
    # the API still serves others
    assert statuses == [413] * 5
    assert read.status_code == 200


@pytest.mark.gunicorn_env(WEB_CONCURRENCY="1", GUNICORN_THREADS="4")
def test_slow_clients_within_the_limit_hold_a_thread_only_until_the_body_deadline(gunicorn, key):
    # given: 5 clients (more than the 4 threads) declare 1 MB and stall
    stalled = [_stall(gunicorn, 1024 * 1024) for _ in range(5)]

    # when: a normal client asks meanwhile
    with ThreadPoolExecutor(max_workers=6) as pool:
        reading = pool.submit(
            requests.get,
            f"{gunicorn}/external/gift/",
            headers={"Authorization": f"Api-Key {key}"},
            timeout=10,
        )
        slow = list(pool.map(_status, stalled))
        read = reading.result()

    # then: each stalled request was cut off at the deadline (408; the sockets give up after 5 deadlines)
    assert slow == [408] * 5
    assert read.status_code == 200


def _day_has_room(seconds: float) -> bool:
    return 86_400 - time.time() % 86_400 >= seconds


@pytest.mark.gunicorn_env(PARTNER_THROTTLE_READ="600/day", WEB_CONCURRENCY="3", GUNICORN_THREADS="4")
def test_a_key_gets_its_whole_budget_under_concurrent_requests_then_a_429(gunicorn, key):
    # given: the default budget of 600 reads, 3 worker processes, and a window with room for the whole
    # burst (one straddling the window's edge would start a fresh budget halfway). The window is a day,
    # not the default minute: on a loaded machine the burst alone can take most of a minute.
    limit = 600
    poll_until(lambda: _day_has_room(120), timeout=130, interval=0.5)
    local = threading.local()

    def read(_: int) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            # a connection per request, so the worker processes share the burst
            local.session.headers.update({"Authorization": f"Api-Key {key}", "Connection": "close"})
        return local.session.get(f"{gunicorn}/external/gift/", timeout=30).status_code

    # when: exactly the budget, 12 at a time
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(read, range(limit)))
    over = requests.get(f"{gunicorn}/external/gift/", headers={"Authorization": f"Api-Key {key}"}, timeout=30)

    # then: none refused, and the next one is
    assert statuses.count(200) == limit
    assert over.status_code == 429
    assert 1 <= int(over.headers["Retry-After"]) <= 86_400
