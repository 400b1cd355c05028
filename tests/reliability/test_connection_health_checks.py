"""Persistent PostgreSQL connections are health-checked per request unless used within the last second."""

import psycopg
import pytest
from django.db import connections

connection = connections["default"]  # the wrapper itself, not the proxy: its class is patched below

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checks(monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the health-check delay is the PostgreSQL backend's (giftoffice/dbbackends)")
    settings.CONN_HEALTH_CHECK_DELAY = 1.0
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)  # persistent, as in production
    connection.close()
    connection.ensure_connection()  # both are read from the settings on connect
    calls: list[bool] = []
    real = type(connection).is_usable

    def counting(self):
        usable = real(self)
        calls.append(usable)
        return usable

    monkeypatch.setattr(type(connection), "is_usable", counting)
    return calls


def next_request() -> None:
    """What Django does between two requests on a persistent connection."""
    connection.close_if_unusable_or_obsolete()


def query() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        return cursor.fetchone()[0]


def test_a_connection_used_within_the_delay_is_not_pinged_again(checks):
    query()
    next_request()

    assert query() == 42
    assert checks == []


def test_a_connection_idle_longer_than_the_delay_is_pinged_once_per_request(checks):
    query()
    connection.used_at -= 5  # idle for five seconds
    next_request()

    assert query() == 42
    assert query() == 42
    assert checks == [True]


def test_an_idle_connection_the_server_dropped_is_replaced_before_the_query(checks):
    query()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        old_pid = cursor.fetchone()[0]
    with psycopg.connect(
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"],
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    connection.used_at -= 5
    next_request()

    assert query() == 42
    assert checks == [False]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid


def test_a_connection_psycopg_saw_break_is_replaced_without_a_ping(checks):
    query()
    connection.connection.close()  # closed under Django's feet: psycopg knows, no round trip needed
    next_request()

    assert query() == 42
    assert checks == []
