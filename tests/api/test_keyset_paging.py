"""Keyset paging (?after=<id>&limit=N): pages in id order whose cost and ETag do not depend on the
table's size (no COUNT), and long plain lists streamed without reading a row twice."""

from __future__ import annotations

import orjson
import pytest
from django.core import signals
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Gift
from catalog.selectors import GiftListFilter, gift_list_stats, gift_list_stats_sql

from .factories import GiftFactory, PartnerFactory, issue_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth():
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {issue_key(partner=PartnerFactory())}"}
    return headers


def _ids(response) -> list[int]:
    return [
        item["id"]
        for item in orjson.loads(
            b"".join(response.streaming_content) if response.streaming else response.content
        )
    ]


def test_walking_the_list_with_after_gives_every_gift_once_in_id_order(client, auth):
    gifts = [GiftFactory() for _ in range(5)]
    seen, after, pages = [], 0, 0
    while True:
        response = client.get(f"/external/gift/?after={after}&limit=2", **auth)
        assert response.status_code == 200
        assert "X-Total-Count" not in response
        page = _ids(response)
        seen += page
        pages += 1
        if len(page) < 2:
            break
        after = page[-1]
    assert seen == [gift.pk for gift in gifts]
    assert pages == 3


@pytest.mark.perf
def test_a_keyset_page_and_its_304_run_no_count(client, auth):
    """Statement counts (perf: may be re-baselined when the fast paths change)."""
    for _ in range(3):
        GiftFactory()
    client.get("/external/gift/?after=0&limit=2", **auth)  # the key's first use is behind us

    with CaptureQueriesContext(connection) as page_queries:
        page = client.get("/external/gift/?after=0&limit=2", **auth)
    with CaptureQueriesContext(connection) as cached_queries:
        cached = client.get("/external/gift/?after=0&limit=2", HTTP_IF_NONE_MATCH=page["ETag"], **auth)

    assert page.status_code == 200
    assert cached.status_code == 304
    # the address's failed authentications, the key lookup, the key's rate counter, and the page
    assert len(page_queries) == 4
    assert len(cached_queries) == 4
    for query in [*page_queries, *cached_queries]:
        assert "COUNT(" not in query["sql"].upper()


def test_a_keyset_page_etag_moves_when_a_gift_in_it_changes_or_goes(client, auth):
    first, second, third = (GiftFactory() for _ in range(3))
    etag = client.get("/external/gift/?after=0&limit=2", **auth)["ETag"]

    def status() -> int:
        return client.get("/external/gift/?after=0&limit=2", HTTP_IF_NONE_MATCH=etag, **auth).status_code

    assert status() == 304
    third.name_en = "outside the page"
    third.save()
    assert status() == 304  # not in the page: still valid
    second.name_en = "changed"
    second.save()
    assert status() == 200
    etag = client.get("/external/gift/?after=0&limit=2", **auth)["ETag"]
    Gift.objects.filter(pk=first.pk).delete()
    assert status() == 200


@pytest.mark.parametrize("value", ["-1", "x", "1.5", "9" * 20])
def test_a_bad_after_is_a_400(client, auth, value):
    response = client.get(f"/external/gift/?after={value}", **auth)

    assert response.status_code == 400
    assert orjson.loads(response.content) == {"after": ["Expected a whole number >= 0."]}


@pytest.mark.perf
def test_a_long_plain_list_streams_each_row_once_in_keyset_chunks(client, auth, settings):
    """Statement counts (perf: may be re-baselined when the fast paths change)."""
    settings.GIFT_LIST_CHUNK_SIZE = 2
    gifts = [GiftFactory() for _ in range(5)]
    client.get("/external/gift/?limit=1", **auth)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/external/gift/", **auth)
        ids = _ids(response)

    assert ids == [gift.pk for gift in gifts]
    assert response["X-Total-Count"] == "5"
    # the address's failed authentications, the key, its rate counter, the first chunk with the stats
    # (PostgreSQL) or the stats then the first chunk (SQLite), then chunks after ids 2 and 4
    assert len(queries) == (6 if connection.vendor == "postgresql" else 7)
    assert sum("COUNT(" in q["sql"].upper() for q in queries) == 1


def test_a_read_records_the_key_use_only_after_its_answer(rf):
    from catalog.api.views import GiftListView
    from catalog.models import PartnerApiKey

    key = issue_key(partner=PartnerFactory())
    request = rf.get("/external/gift/", HTTP_AUTHORIZATION=f"Api-Key {key}")

    response = GiftListView.as_view()(request)
    during = PartnerApiKey.objects.get().last_used_at
    # what the WSGI server does once the body is sent (minus closing the test's connection, as the
    # test client does)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)

    assert response.status_code == 200
    assert during is None
    assert PartnerApiKey.objects.get().last_used_at is not None


@pytest.mark.perf
def test_a_plain_list_reads_its_etag_stats_once_not_once_per_row(client, auth):
    """The count / newest / highest id ride along every row of a plain list; the planner must not
    compute them again per row (a fresh table without statistics made PostgreSQL nest the aggregate).
    Perf: reads the plan's node names, may be re-baselined when the fast paths change."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan (SQLite materializes an aggregate subquery by itself)")
    for _ in range(30):
        GiftFactory()
    client.get("/external/gift/", **auth)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/external/gift/", **auth).status_code == 200
    listing = next(q["sql"] for q in queries if "COUNT(" in q["sql"])

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + listing)
        plan = cursor.fetchone()[0]
    plan = orjson.loads(plan) if isinstance(plan, str | bytes) else plan

    def aggregates(node: dict) -> list[dict]:
        found = [node] if node["Node Type"] == "Aggregate" else []
        return found + [a for child in node.get("Plans", []) for a in aggregates(child)]

    loops = [node["Actual Loops"] for node in aggregates(plan[0]["Plan"])]
    assert loops, plan
    assert loops == [1] * len(loops)


def test_a_plain_list_and_a_conditional_request_agree_on_the_etag(client, auth):
    for _ in range(3):
        GiftFactory()
    etag = client.get("/external/gift/", **auth)["ETag"]

    assert client.get("/external/gift/", HTTP_IF_NONE_MATCH=etag, **auth).status_code == 304
    gift = Gift.objects.order_by("pk").first()
    gift.name_en = "moved"
    gift.save()
    assert client.get("/external/gift/", HTTP_IF_NONE_MATCH=etag, **auth).status_code == 200


@pytest.mark.perf
def test_a_whole_list_counts_its_servable_gifts_from_the_partial_index_not_the_table():
    """A 304 on the whole list reads the stats alone: each aggregate its own subquery, the COUNT an
    index-only scan of catalog_gift_servable_id (a read of every wide row was far slower; docs/perf.md).
    Perf: reads the plan's node names, may be re-baselined when the fast paths change."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    for n in range(30):
        GiftFactory(name_ro="" if n == 0 else f"G{n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_gift")
        cursor.execute("SET enable_seqscan = off")  # 30 rows: the planner would rightly scan them
        try:
            cursor.execute(
                "EXPLAIN (FORMAT JSON) "
                + gift_list_stats_sql(GiftListFilter(servable_only=True), connection)[0]
            )
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET enable_seqscan")
    plan = orjson.loads(plan) if isinstance(plan, str | bytes) else plan

    def counted_from(node: dict, *, counting: bool = False) -> list[str]:
        counting = counting or node["Node Type"] == "Aggregate"
        found = [node["Index Name"]] if counting and "Index Name" in node else []
        return found + [
            name for child in node.get("Plans", []) for name in counted_from(child, counting=counting)
        ]

    # the planner can read the COUNT from the partial index: its predicate matches the list's filter
    assert "catalog_gift_servable_id" in counted_from(plan[0]["Plan"]), plan
    assert gift_list_stats(GiftListFilter(servable_only=True)).count == 29


def test_the_whole_lists_stats_are_the_aggregates_of_its_rows():
    for n in range(5):
        GiftFactory(name_ro="" if n == 2 else f"G{n}", active=n % 2 == 0)
    servable = Gift.objects.exclude(name_ro="")

    whole = gift_list_stats(GiftListFilter(servable_only=True))
    narrowed = gift_list_stats(GiftListFilter(servable_only=True, active=True))

    assert (whole.count, whole.max_id) == (4, max(g.pk for g in servable))
    assert (narrowed.count, narrowed.max_id) == (2, max(g.pk for g in servable if g.active))
    assert str(whole.last_updated) >= str(narrowed.last_updated)
