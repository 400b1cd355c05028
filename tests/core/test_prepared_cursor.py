"""The hot statements' cursor is Django's cursor wrapper on both databases: errors, query log, params."""

import pytest
from django.db import DatabaseError, connection
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext

from giftoffice.db import prepared_cursor

pytestmark = pytest.mark.django_db


def test_the_hot_cursor_is_djangos_and_runs_named_and_positional_parameters():
    with prepared_cursor(connection) as cursor:
        assert isinstance(cursor, CursorWrapper)
        cursor.execute("SELECT %(a)s || %(b)s, '100%%'", {"a": "x", "b": "y"})
        named = cursor.fetchone()
        cursor.execute("SELECT %s || %s", ["p", "q"])
        positional = cursor.fetchall()

    assert named == ("xy", "100%")
    assert positional == [("pq",)]


def test_a_driver_error_surfaces_as_djangos_error():
    with pytest.raises(DatabaseError), prepared_cursor(connection) as cursor:
        cursor.execute("SELECT * FROM no_such_table WHERE id = %s", [1])


def test_every_hot_statement_is_logged_with_its_values():
    with CaptureQueriesContext(connection) as captured, prepared_cursor(connection) as cursor:
        cursor.execute("SELECT %s || 'b'", ["a"])
        assert cursor.fetchone() == ("ab",)

    assert len(captured) == 1
    assert captured.captured_queries[0]["sql"] == "SELECT 'a' || 'b'"
