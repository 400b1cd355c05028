"""Supplier balances: read by a schedule and stored; the admin shows the stored reading with its age and
never waits on a supplier."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ

from orders.models import BalanceReading, Supplier
from orders.selectors.balances import balance_status
from orders.services import schedules
from orders.services.balance import refresh_balances, refresh_gamesdrop_balance

INDEX = "/en/admin/"


@pytest.fixture
def root(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    return client


@pytest.fixture
def hanging_supplier(settings):
    """A socket that accepts connections and never answers, as GamesDrop's host; counts the accepts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    settings.GAMESDROP_BASE_URL = f"http://127.0.0.1:{server.getsockname()[1]}"
    yield accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def reading(
    *, minutes_ago: float, ok: bool = True, balance: str = "499.26", error: str = ""
) -> BalanceReading:
    return BalanceReading.objects.create(
        supplier=Supplier.GAMESDROP,
        read_at=timezone.now() - timedelta(minutes=minutes_ago),
        ok=ok,
        balance=Decimal(balance) if ok else None,
        draft_balance=Decimal("12.50") if ok else None,
        currency="USD" if ok else "",
        profile="DEFAULT" if ok else "",
        error=error,
    )


@pytest.mark.django_db(transaction=True)
def test_the_schedule_reads_the_gamesdrop_balance_and_stores_it(sandbox):
    refresh_balances()

    stored = BalanceReading.objects.get()
    assert (stored.supplier, stored.ok, stored.balance, stored.currency) == (
        "gamesdrop",
        True,
        Decimal("500.2500"),
        "USD",
    )


@pytest.mark.django_db
def test_a_failed_read_is_stored_with_its_error_and_raises_nothing(hanging_supplier, settings):
    settings.INTEGRATION_READ_TIMEOUT = 0.2
    settings.INTEGRATION_BACKOFF_SECONDS = 0.0

    stored = refresh_gamesdrop_balance()

    assert stored.ok is False
    assert stored.balance is None
    assert "gamesdrop" in stored.error


@pytest.mark.django_db
def test_the_index_renders_without_calling_a_supplier_that_hangs(root, hanging_supplier):
    reading(minutes_ago=2)

    started = time.monotonic()
    response = root.get(INDEX)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert hanging_supplier == []  # not one connection: the page reads the database only
    assert elapsed < 1.0
    text = response.content.decode()
    assert "499.26 USD" in text
    assert "2\xa0minutes ago" in text


@pytest.mark.django_db
def test_the_index_says_since_when_the_balance_is_not_read(root):
    reading(minutes_ago=30)
    reading(minutes_ago=20, ok=False, error="gamesdrop: connection failed")
    reading(minutes_ago=10, ok=False, error="gamesdrop: read timeout")

    text = root.get(INDEX).content.decode()

    assert "499.26 USD" in text  # the last known balance stays, with its age
    assert "30\xa0minutes ago" in text
    assert "not read since" in text
    assert "GamesDrop has not answered for 20\xa0minutes" in text
    assert "gamesdrop: read timeout" in text


@pytest.mark.django_db
def test_a_balance_read_less_than_a_minute_ago_was_read_just_now(root):
    reading(minutes_ago=0.2)

    text = root.get(INDEX).content.decode()

    assert "just now" in text
    assert "0\xa0minutes" not in text


@pytest.mark.django_db
def test_the_index_says_when_the_balance_was_never_read(root):
    text = root.get(INDEX).content.decode()

    assert "not read yet" in text


@pytest.mark.django_db
def test_the_index_balance_speaks_romanian(root):
    reading(minutes_ago=5)

    text = root.get("/admin/").content.decode()

    assert "499,26 USD" in text
    assert "Actualizează" in text


@pytest.mark.django_db
def test_the_latest_failure_after_a_success_is_what_staff_see():
    reading(minutes_ago=3, ok=False, error="old")
    reading(minutes_ago=2)
    reading(minutes_ago=1, ok=False, error="new")

    status = balance_status(threshold=Decimal("50"))

    assert status.last_ok.balance == Decimal("499.26")
    assert status.error == "new"
    assert status.failed_since == BalanceReading.objects.get(error="new").read_at


@pytest.mark.django_db(transaction=True)
def test_refresh_queues_one_background_read_and_goes_back(root):
    response = root.post("/en/admin/orders/balancereading/refresh/", {"next": "/en/admin/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/admin/"
    assert [task.func() for task in OrmQ.objects.all()] == ["orders.services.balance.refresh_balances"]


@pytest.mark.django_db
def test_refresh_refuses_a_get_and_an_outside_redirect(root):
    assert root.get("/en/admin/orders/balancereading/refresh/").status_code == 405

    response = root.post("/en/admin/orders/balancereading/refresh/", {"next": "https://evil.example/"})

    assert response["Location"] == "/en/admin/"


@pytest.mark.django_db
def test_the_balance_schedule_is_ensured(settings):
    settings.BALANCE_READ_EVERY_MINUTES = 7

    by_name = {schedule.name: schedule for schedule in schedules.ensure_schedules()}

    assert by_name["read-supplier-balances"].func == "orders.services.balance.refresh_balances"
    assert by_name["read-supplier-balances"].minutes == 7
