"""The hot statements' cursor: Django's errors and query log kept, on both databases."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from giftoffice.db import HotCursor, prepared_cursor

pytestmark = pytest.mark.django_db


def test_without_a_query_log_the_hot_cursor_runs_named_and_positional_parameters():
    with prepared_cursor(connection) as cursor:
        assert isinstance(cursor, HotCursor)
        cursor.execute("SELECT %(a)s || %(b)s, '100%%'", {"a": "x", "b": "y"})
        named = cursor.fetchone()
        cursor.execute("SELECT %s || %s", ["p", "q"])
        positional = cursor.fetchall()

    assert named == ("xy", "100%")
    assert positional == [("pq",)]


def test_a_driver_error_surfaces_as_djangos_error():
    with pytest.raises(DatabaseError), prepared_cursor(connection) as cursor:
        cursor.execute("SELECT * FROM no_such_table WHERE id = %s", [1])


def test_under_a_query_log_every_hot_statement_is_logged_with_its_values():
    with CaptureQueriesContext(connection) as captured, prepared_cursor(connection) as cursor:
        assert not isinstance(cursor, HotCursor)
        cursor.execute("SELECT %s || 'b'", ["a"])
        assert cursor.fetchone() == ("ab",)

    assert len(captured) == 1
    assert captured.captured_queries[0]["sql"] == "SELECT 'a' || 'b'"
