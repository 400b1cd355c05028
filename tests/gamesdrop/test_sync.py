"""sync_offers and refresh_offer_prices over real HTTP against the sandbox."""

import threading
from decimal import Decimal

import pytest
import responses
from django.db import connection

from catalog.models import Offer, OfferFeedState, OfferPriceChange, SyncRun
from catalog.services import offers as offer_service
from catalog.services.offers import CatalogChangedError, refresh_offer_prices, sync_offers
from catalog.services.sync_queue import enqueue_sync, run_queued_sync
from giftoffice.demo import suppliers as demo_suppliers
from giftoffice.integrations.base import AuthError, UnavailableError
from giftoffice.integrations.gamesdrop import GamesDropClient, SyncPage
from giftoffice.runs.models import RunStatus
from giftoffice.sandbox import faults
from giftoffice.sandbox.providers import gamesdrop_state

pytestmark = pytest.mark.django_db(transaction=True)


def counts(run: SyncRun) -> tuple:
    return (run.status, run.fetched, run.created, run.updated, run.unchanged, run.removed)


def snapshot() -> dict:
    return {o.offer_group_id: (o.supplier_price, o.removed_at, o.updated_at) for o in Offer.objects.all()}


def test_first_sync_creates_every_offer_with_its_fields(gd):
    run = sync_offers()

    assert counts(run) == (RunStatus.SUCCEEDED, 60, 60, 0, 0, 0)
    offer = Offer.objects.get(offer_group_id=1001)
    assert (offer.product_name, offer.name, offer.supplier_price, offer.currency) == (
        "PUBG MOBILE GIFT",
        "60 UC",
        Decimal("560.1"),
        "RUB",
    )
    assert (offer.settlement_method, offer.returns_key, offer.requires_game_user_id, offer.category) == (
        "USDT",
        True,
        False,
        "Gift Cards",
    )
    top_up = Offer.objects.get(offer_group_id=960)
    assert (top_up.requires_game_user_id, top_up.requires_game_server_id, top_up.returns_key) == (
        True,
        True,
        False,
    )
    assert Offer.objects.get(offer_group_id=973).in_stock is False


def test_second_sync_of_an_unchanged_feed_updates_nothing_and_touches_no_row(gd):
    sync_offers()
    before = snapshot()

    again = sync_offers()

    assert counts(again) == (RunStatus.SUCCEEDED, 60, 0, 0, 60, 0)
    assert snapshot() == before


def test_unchanged_feed_compared_row_by_row_also_touches_no_row(gd):
    # given a sync, then the remembered feed fingerprint is lost
    sync_offers()
    OfferFeedState.objects.all().delete()
    before = snapshot()

    again = sync_offers()

    assert counts(again) == (RunStatus.SUCCEEDED, 60, 0, 0, 60, 0)
    assert snapshot() == before


@pytest.mark.perf
def test_clearing_price_alerts_is_one_update_that_keeps_the_repeat_sync_shortcut(
    gd, django_assert_num_queries
):
    """Perf: a statement count, may be re-baselined when the sync's writes change."""
    # given a synced catalog with two offers flagged
    sync_offers()
    Offer.objects.filter(offer_group_id__in=[999, 1001]).update(price_alert=True)

    # when staff clear the alerts of every offer
    with django_assert_num_queries(1):
        cleared = offer_service.clear_price_alerts(offers=Offer.objects.all())

    # then the next sync of the unchanged feed still skips the row-by-row compare
    plans = []
    run = sync_offers(on_plan=plans.append)
    assert cleared == 2
    assert not Offer.objects.filter(price_alert=True).exists()
    assert counts(run) == (RunStatus.SUCCEEDED, 60, 0, 0, 60, 0)
    assert plans[0].skipped is True


def test_a_write_to_the_table_makes_the_next_sync_compare_rows(gd):
    # given staff repriced an offer since the last sync (a write that changes the catalog stamp)
    sync_offers()
    offer = Offer.objects.get(offer_group_id=1001)
    offer.retail_price = Decimal("700")
    offer.save(update_fields=["retail_price"])
    gamesdrop_state.set_offer(1001, price="600.00")

    run = sync_offers()

    assert counts(run) == (RunStatus.SUCCEEDED, 60, 0, 1, 59, 0)
    offer.refresh_from_db()
    assert (offer.supplier_price, offer.retail_price) == (Decimal("600"), Decimal("700"))


@pytest.mark.parametrize(("size", "page_size", "pages"), [(60, 7, 9), (60, 20, 3), (60, 5000, 1)])
def test_paging_fetches_every_page_once(gd, settings, size, page_size, pages):
    # given a total that is (or is not) a multiple of the page size
    settings.GAMESDROP_SYNC_PAGE_SIZE = page_size
    seen = []

    run = sync_offers(progress=lambda done, total: seen.append((done, total)))

    assert counts(run) == (RunStatus.SUCCEEDED, 60, 60, 0, 0, 0)
    assert len(seen) == pages
    assert seen[-1] == (60, 60)


def test_an_empty_feed_writes_nothing_and_removes_nothing(gd):
    sync_offers()
    before = snapshot()

    run = sync_offers(search="no such product")

    assert counts(run) == (RunStatus.SUCCEEDED, 0, 0, 0, 0, 0)
    assert snapshot() == before


def test_offers_that_vanish_are_marked_removed_and_come_back(gd):
    sync_offers()
    untouched = snapshot()
    gamesdrop_state.set_offer(1005, hidden=True)

    gone = sync_offers()
    offer = Offer.objects.get(offer_group_id=1005)

    assert counts(gone) == (RunStatus.SUCCEEDED, 59, 0, 0, 59, 1)
    assert offer.removed_at is not None
    assert {k: v for k, v in snapshot().items() if k != 1005} == {
        k: v for k, v in untouched.items() if k != 1005
    }

    gamesdrop_state.set_offer(1005, hidden=False)
    back = sync_offers()
    offer.refresh_from_db()
    assert counts(back) == (RunStatus.SUCCEEDED, 60, 0, 1, 59, 0)
    assert offer.removed_at is None


def test_a_filtered_sync_never_removes(gd):
    sync_offers()

    run = sync_offers(category="GIFT_CARD")

    assert run.removed == 0
    assert run.fetched == Offer.objects.filter(category="Gift Cards").count() > 0
    assert not Offer.objects.filter(removed_at__isnull=False).exists()


def test_profile_change_removes_offers_that_are_no_longer_visible(gd):
    sync_offers()
    gamesdrop_state.set_account(profile="USDT")

    run = sync_offers()

    fiat_only = set(Offer.objects.filter(settlement_method="FIAT").values_list("offer_group_id", flat=True))
    assert 961 in fiat_only
    assert run.removed == len(fiat_only)
    assert (
        set(Offer.objects.filter(removed_at__isnull=False).values_list("offer_group_id", flat=True))
        == fiat_only
    )


def test_an_offer_vanishing_between_pages_restarts_the_paging(gd, settings):
    # given the feed loses an offer right after page 1 was read
    settings.GAMESDROP_SYNC_PAGE_SIZE = 20
    sync_offers()
    hidden = []

    def vanish_once(done, total):
        if not hidden:
            hidden.append(gamesdrop_state.set_offer(1010, hidden=True))

    run = sync_offers(progress=vanish_once)

    assert counts(run) == (RunStatus.SUCCEEDED, 59, 0, 0, 59, 1)
    assert Offer.objects.get(offer_group_id=1010).removed_at is not None


def test_a_feed_that_keeps_changing_fails_and_leaves_the_catalog_as_it_was(gd, settings):
    settings.GAMESDROP_SYNC_PAGE_SIZE = 20
    sync_offers()
    before = snapshot()
    next_id = iter(range(1002, 1060))

    def vanish_every_page(done, total):
        gamesdrop_state.set_offer(next(next_id), hidden=True)

    with pytest.raises(CatalogChangedError, match="the catalog changed while paging through it"):
        sync_offers(progress=vanish_every_page)

    assert snapshot() == before
    assert SyncRun.objects.latest("id").status == RunStatus.FAILED


class ScriptedFeed:
    """Stands in for the client: each pass over the feed gets the next scripted list of pages."""

    def __init__(self, *passes: list[tuple[list[int], int]]) -> None:
        self.passes = [
            [
                SyncPage(page=n, limit=2, count=count, raw_rows=[{"offerGroupId": i} for i in ids])
                for n, (ids, count) in enumerate(pages, start=1)
            ]
            for pages in passes
        ]
        self.started = 0

    def iter_sync_pages(self, **kwargs):
        self.started += 1
        return iter(self.passes[self.started - 1])


def scripted_fetch(feed: ScriptedFeed, progress=None) -> offer_service.Feed:
    return offer_service.fetch_feed(client=feed, category=None, search=None, page_size=2, progress=progress)


def test_an_offer_seen_twice_in_one_pass_restarts_the_paging_and_the_fingerprint_ignores_it():
    # given a pass where offer 2 shifted onto both pages, then a clean pass
    feed = ScriptedFeed([([1, 2], 3), ([2, 3], 3)], [([1, 2], 3), ([3], 3)])
    seen = []

    result = scripted_fetch(feed, progress=lambda done, total: seen.append((done, total)))

    assert [page.offer_ids for page in result.pages] == [[1, 2], [3]]
    assert (result.count, feed.started) == (3, 2)
    assert seen == [(2, 3), (4, 3), (2, 3), (3, 3)]
    # the repeat-sync shortcut sees the same feed as a pass that never hit the duplicate
    assert result.fingerprint == scripted_fetch(ScriptedFeed([([1, 2], 3), ([3], 3)])).fingerprint


def test_duplicate_offers_in_every_pass_fail_after_three_passes():
    feed = ScriptedFeed(*[[([1, 2], 4), ([2, 3], 4)]] * 4)

    with pytest.raises(CatalogChangedError) as info:
        scripted_fetch(feed)

    assert feed.started == 3
    assert str(info.value) == (
        "gamesdrop: the catalog changed while paging through it (4 rows but 3 distinct ids), "
        "3 passes in a row; try again later"
    )


def test_a_count_moving_between_pages_restarts_from_page_one_then_gives_up_after_three_passes():
    feed = ScriptedFeed(*[[([1, 2], 4), ([3, 4], 5)]] * 3)
    seen = []

    with pytest.raises(CatalogChangedError) as info:
        scripted_fetch(feed, progress=lambda done, total: seen.append((done, total)))

    assert feed.started == 3
    assert seen == [(2, 4)] * 3  # each pass is dropped at the page whose count moved
    assert "(total 4 -> 5 between pages), 3 passes in a row" in str(info.value)


def test_a_failure_on_a_later_page_leaves_the_previous_catalog_intact(gd, settings):
    # given a synced catalog, then a price change, then the supplier failing from page 2 on
    settings.GAMESDROP_SYNC_PAGE_SIZE = 20
    sync_offers()
    before = snapshot()
    gamesdrop_state.set_offer(1001, price="600.00")

    def fail_after_first_page(done, total):
        if done == 20:
            faults.arm(provider="gamesdrop", kind="http_503", path="offers/sync", count=10)

    with pytest.raises(UnavailableError):
        sync_offers(progress=fail_after_first_page)

    assert snapshot() == before
    assert not OfferPriceChange.objects.exists()
    failed = SyncRun.objects.latest("id")
    assert (failed.status, failed.message) == (
        RunStatus.FAILED,
        "gamesdrop: [SERVICE_UNAVAILABLE] Service Unavailable (sandbox fault) (HTTP 503)",
    )


def wrong_token_client(settings) -> GamesDropClient:
    # The sandbox accepts exactly settings.GAMESDROP_TOKEN, so only a client with another token is refused.
    return GamesDropClient(base_url=settings.GAMESDROP_BASE_URL, token="abcdef1234567890abcdef1234567890")


def test_an_invalid_token_fails_the_run_with_a_readable_error(gd, settings):
    with pytest.raises(AuthError):
        sync_offers(client=wrong_token_client(settings))

    run = SyncRun.objects.get()
    assert (run.status, run.message) == (
        RunStatus.FAILED,
        "gamesdrop: [INVALID_TOKEN] Invalid authorization token (HTTP 401)",
    )
    assert not Offer.objects.exists()


def test_price_changes_are_recorded_and_big_ones_flagged(gd, settings):
    # given a 10% alert threshold
    settings.OFFER_PRICE_ALERT_PERCENT = 10
    run = sync_offers()
    gamesdrop_state.set_offer(1001, price="588.11")  # +5.0%
    gamesdrop_state.set_offer(999, price="30.02")  # +30.0%

    second = sync_offers()

    changes = {c.offer.offer_group_id: c for c in OfferPriceChange.objects.select_related("offer")}
    assert second.updated == 2
    assert (
        changes[1001].old_price,
        changes[1001].new_price,
        changes[1001].change_percent,
        changes[1001].alert,
    ) == (
        Decimal("560.1"),
        Decimal("588.11"),
        Decimal("5.00"),
        False,
    )
    assert (changes[999].change_percent, changes[999].alert, changes[999].sync_run_id) == (
        Decimal("30.01"),
        True,
        second.pk,
    )
    assert run.pk != second.pk
    flagged = dict(
        Offer.objects.filter(offer_group_id__in=[999, 1001]).values_list("offer_group_id", "price_alert")
    )
    assert flagged == {999: True, 1001: False}
    assert Offer.objects.get(offer_group_id=999).price_changed_at is not None


def test_dry_run_writes_nothing(gd):
    # given an empty catalog
    plans = []

    run = sync_offers(dry_run=True, on_plan=plans.append)

    assert counts(run) == (RunStatus.SUCCEEDED, 60, 60, 0, 0, 0)
    assert run.dry_run is True
    assert not Offer.objects.exists()
    assert plans[0].describe(limit=1)[0] == "+ create #101 PUBG Mobile — 60 UC: 0.99 USD"


def test_dry_run_after_changes_describes_them_and_writes_nothing(gd):
    sync_offers()
    before = snapshot()
    gamesdrop_state.set_offer(1001, price="600.00")
    gamesdrop_state.set_offer(1003, hidden=True)
    plans = []

    run = sync_offers(dry_run=True, on_plan=plans.append)

    assert counts(run) == (RunStatus.SUCCEEDED, 59, 0, 1, 58, 1)
    assert snapshot() == before
    assert not OfferPriceChange.objects.exists()
    lines = plans[0].describe()
    assert lines[0] == "~ update #1001 PUBG MOBILE GIFT — 60 UC: supplier_price 560.1 -> 600"
    assert lines[1].startswith("- remove #1003 ")


def test_a_supplier_outage_in_a_queued_sync_is_recorded_and_the_task_ends_normally(gd, caplog):
    # given: a queued sync, and GamesDrop failing
    run = enqueue_sync(source="gamesdrop_offers")
    faults.arm(provider="gamesdrop", kind="http_503", path="offers/sync", count=10)
    # when the task runs: no exception (no django-q "Failed task"), no traceback in the logs
    summary = run_queued_sync(run_id=run.pk)
    # then
    run.refresh_from_db()
    error = "gamesdrop: [SERVICE_UNAVAILABLE] Service Unavailable (sandbox fault) (HTTP 503)"
    assert (run.status, run.message) == (RunStatus.FAILED, error)
    assert summary == f"sync run #{run.pk} failed: {error}"
    assert not [record for record in caplog.records if record.exc_info]


def test_queued_sync_runs_with_its_parameters(gd):
    run = enqueue_sync(source="gamesdrop_offers", params={"category": "Top Up"})

    summary = run_queued_sync(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert summary == run.summary()
    assert set(Offer.objects.values_list("category", flat=True)) == {"Top Up"}


def test_refresh_prices_reads_find_one_and_records_the_change(gd):
    sync_offers()
    gamesdrop_state.set_offer(1001, price="600.00")
    gamesdrop_state.set_offer(1002, hidden=True)
    offers = Offer.objects.filter(offer_group_id__in=[999, 1001, 1002]).order_by("offer_group_id")

    result = refresh_offer_prices(offers=offers)

    assert (result.refreshed, result.changed, result.not_found, result.failed) == (2, 1, [1002], {})
    assert Offer.objects.get(offer_group_id=1001).supplier_price == Decimal("600")
    assert Offer.objects.get(offer_group_id=1002).removed_at is not None
    change = OfferPriceChange.objects.get()
    assert (change.source, change.old_price, change.new_price) == (
        "refresh",
        Decimal("560.1"),
        Decimal("600"),
    )


def test_refresh_with_a_bad_token_stops(gd, settings):
    sync_offers()

    with pytest.raises(AuthError):
        refresh_offer_prices(offers=Offer.objects.all(), client=wrong_token_client(settings))


def test_catalog_of_many_pages_syncs_in_full(gd, catalog_size, settings):
    catalog_size(12_345)

    run = sync_offers()

    assert counts(run) == (RunStatus.SUCCEEDED, 12_345, 12_345, 0, 0, 0)
    assert Offer.objects.count() == 12_345


def test_concurrent_syncs_do_not_collide(gd, postgres_only):
    results, errors = [], []

    def one_sync():
        try:
            results.append(sync_offers())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(r.created for r in results) == [0, 60]
    assert Offer.objects.count() == 60


def test_demo_step_ensures_schedules_and_queues_one_sync(gd):
    from django_q.models import OrmQ, Schedule

    first = demo_suppliers.load_demo_offers()

    run = SyncRun.objects.get()
    assert first == f"sync run #{run.pk} queued (runs once the sandbox answers); schedules ensured"
    assert (run.status, run.trigger) == (RunStatus.QUEUED, "demo")
    assert Schedule.objects.filter(name="sync-gamesdrop-offers").count() == 1
    assert OrmQ.objects.count() == 1


def test_demo_step_run_twice_before_the_sync_ran_queues_it_once(gd):
    from django_q.models import OrmQ

    first = demo_suppliers.load_demo_offers()
    second = demo_suppliers.load_demo_offers()

    run = SyncRun.objects.get()
    assert first == second == f"sync run #{run.pk} queued (runs once the sandbox answers); schedules ensured"
    assert OrmQ.objects.count() == 1
    assert OrmQ.objects.get().func() == "giftoffice.demo.suppliers.run_when_supplier_answers"


def test_demo_task_waits_for_the_supplier_then_runs_the_queued_sync(gd):
    demo_suppliers.load_demo_offers()
    run = SyncRun.objects.get()

    summary = demo_suppliers.run_when_supplier_answers(run.pk, wait_seconds=5)

    run.refresh_from_db()
    assert (run.status, summary) == (RunStatus.SUCCEEDED, run.summary())
    assert demo_suppliers.load_demo_offers() == "60 offers already synced; schedules ensured"


@pytest.mark.django_db
@responses.activate
def test_prices_with_more_places_than_kept_do_not_change_on_every_sync(settings):
    # given a feed price with 8 decimal places (the column keeps 6)
    settings.GAMESDROP_BASE_URL = "https://partner.example"
    row = {"productName": "Telegram Stars", "offerGroupId": 7, "offerGroupName": "1 Star", "currency": "USD"}
    responses.post(
        "https://partner.example/api/v1/offers/sync",
        json={"count": 1, "rows": [{**row, "price": 0.00771234, "inStock": True}]},
    )
    sync_offers()
    OfferFeedState.objects.all().delete()

    again = sync_offers()

    assert counts(again) == (RunStatus.SUCCEEDED, 1, 0, 0, 1, 0)
    assert Offer.objects.get().supplier_price == Decimal("0.007712")


@pytest.mark.django_db
@responses.activate
def test_refreshing_an_unchanged_price_with_more_places_than_kept_records_nothing(settings):
    # given an offer synced at a price with 8 decimal places (the column keeps 6)
    settings.GAMESDROP_BASE_URL = "https://partner.example"
    row = {"productName": "Telegram Stars", "offerGroupId": 7, "offerGroupName": "1 Star", "currency": "USD"}
    responses.post(
        "https://partner.example/api/v1/offers/sync",
        json={"count": 1, "rows": [{**row, "price": 0.00771234, "inStock": True}]},
    )
    responses.post(
        "https://partner.example/api/v1/offers/find-one",
        json={
            "offerId": 7,
            "productName": "Telegram Stars",
            "offerName": "1 Star",
            "price": 0.00771234,
            "currency": "USD",
        },
    )
    sync_offers()

    # when find-one answers the same price three times
    results = [refresh_offer_prices(offers=Offer.objects.all()) for _ in range(3)]

    # then nothing changed and no price change was recorded
    assert [(r.refreshed, r.changed) for r in results] == [(1, 0), (1, 0), (1, 0)]
    assert not OfferPriceChange.objects.exists()
    assert Offer.objects.get().supplier_price == Decimal("0.007712")
