"""On PostgreSQL the partner API's hot statements are prepared once per connection, and can be turned off."""

import pytest
from django.db import connection

from catalog.services.api_keys import authenticate_api_key
from giftoffice.db import prepared_cursor
from tests.api.factories import issue_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are the PostgreSQL backend's (giftoffice/dbbackends)")
    connection.close()  # a fresh connection: the threshold is set when it opens


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.perf
def test_a_hot_statement_is_prepared_on_its_first_run_and_reused(client):
    """Perf: pins that the statement is prepared (a speed detail), may be re-baselined with the fast paths."""
    plain = issue_key()

    for _ in range(3):
        assert authenticate_api_key(plain_key=plain) is not None

    lookups = [sql for sql in _prepared_statements() if "key_hash" in sql]
    assert len(lookups) == 1
    assert "$1" in lookups[0]


def test_the_list_answers_the_same_bytes_prepared_or_not(client, settings):
    from tests.api.factories import GiftFactory

    GiftFactory(name_ro="Ceai", image_ro="gifts/tea.png")
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {issue_key()}"}
    prepared = client.get("/external/gift/", **auth)
    assert any("catalog_gift" in sql for sql in _prepared_statements())

    settings.DB_PREPARED_STATEMENTS = False
    connection.close()
    plain = client.get("/external/gift/", **auth)

    assert (prepared.status_code, plain.status_code) == (200, 200)
    assert b"".join(prepared) == b"".join(plain)
    assert _prepared_statements() == []


def test_prepared_statements_show_their_values_in_the_query_log(django_assert_num_queries):
    with django_assert_num_queries(1) as captured, prepared_cursor(connection) as cursor:
        cursor.execute("SELECT %s::text || %s", ["a", "b"])
        assert cursor.fetchone() == ("ab",)

    assert captured.captured_queries[0]["sql"] == "SELECT 'a'::text || 'b'"
