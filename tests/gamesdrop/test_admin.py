"""Admin pages of offers, price changes, sync runs and the GamesDrop sandbox records."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django_q.conf import Conf

from catalog.models import Offer, SyncRun, SyncSource
from catalog.services.offers import sync_offers
from giftoffice.integrations.gamesdrop import Customer, GamesDropClient, OrderRequest
from giftoffice.runs.models import RunStatus
from giftoffice.sandbox.providers import gamesdrop_state
from tests.gamesdrop.factories import OfferFactory, OfferPriceChangeFactory, SyncRunFactory

CHANGELIST = reverse("admin:catalog_offer_changelist")
EN_CHANGELIST = "/en" + CHANGELIST  # the admin in English, for assertions on its English texts


def en_reverse(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def flagged(db):
    below_cost = OfferFactory(
        product_name="Steam Wallet", supplier_price=Decimal("12.00"), retail_price=Decimal("10")
    )
    moved = OfferFactory(product_name="Roblox", price_alert=True, markup_percent=Decimal("20"))
    plain = OfferFactory(product_name="Free Fire", removed_at="2026-01-01T00:00:00Z")
    return below_cost, moved, plain


def listed(response) -> set[int]:
    return {offer.offer_group_id for offer in response.context["cl"].result_list}


@pytest.mark.django_db
def test_offer_changelist_shows_margin_flags_and_the_sync_button(admin_client, flagged):
    _below_cost, moved, _plain = flagged

    response = admin_client.get(EN_CHANGELIST)

    body = response.content.decode()
    assert response.status_code == 200
    assert "below cost" in body
    assert "price moved" in body
    assert "12.00 USD (+20.00%)" in body  # retail of `moved`: 10.00 + 20%
    assert "-2.00 USD (-20.0%)" in body  # margin of `below_cost`
    assert reverse("admin:catalog_offer_sync_now") in body
    assert listed(response) == {o.offer_group_id for o in flagged}
    assert moved.effective_retail_price == Decimal("12.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [("below_cost=yes", [0]), ("price_alert__exact=1", [1]), ("removed=yes", [2]), ("removed=no", [0, 1])],
)
def test_offer_filters(admin_client, flagged, query, expected):
    response = admin_client.get(f"{CHANGELIST}?{query}")

    assert listed(response) == {flagged[i].offer_group_id for i in expected}


@pytest.mark.django_db
def test_offer_search_by_name_and_by_id(admin_client, flagged):
    by_name = admin_client.get(f"{CHANGELIST}?q=roblox")
    by_id = admin_client.get(f"{CHANGELIST}?q={flagged[0].offer_group_id}")

    assert listed(by_name) == {flagged[1].offer_group_id}
    assert listed(by_id) == {flagged[0].offer_group_id}


@pytest.mark.django_db
def test_staff_edit_the_retail_price_and_nothing_else(admin_client, flagged):
    offer = flagged[1]
    before = Offer.objects.get(pk=offer.pk)
    url = reverse("admin:catalog_offer_change", args=[offer.pk])

    page = admin_client.get(url)
    saved = admin_client.post(url, {"retail_price": "15.00", "markup_percent": "", "_save": "Save"})

    offer.refresh_from_db()
    assert page.status_code == 200
    assert saved.status_code == 302
    assert (offer.retail_price, offer.markup_percent, offer.price_alert) == (Decimal("15.00"), None, False)
    assert (offer.supplier_price, offer.product_name) == (before.supplier_price, before.product_name)
    assert offer.updated_at > before.updated_at


@pytest.mark.django_db
def test_offers_are_never_added_or_deleted_by_hand(admin_client, flagged):
    assert admin_client.get(reverse("admin:catalog_offer_add")).status_code == 403
    assert admin_client.get(reverse("admin:catalog_offer_delete", args=[flagged[0].pk])).status_code == 403


@pytest.mark.django_db
def test_clear_price_alert_action(admin_client, flagged):
    response = admin_client.post(
        EN_CHANGELIST,
        {"action": "clear_price_alert", "_selected_action": [o.pk for o in flagged]},
        follow=True,
    )

    assert texts(response) == ["Cleared 1 price alert."]
    assert not Offer.objects.filter(price_alert=True).exists()


@pytest.mark.django_db(transaction=True)
def test_refresh_price_action_calls_find_one(admin_client, gd):
    sync_offers()
    gamesdrop_state.set_offer(1001, price="600.00")
    selected = Offer.objects.filter(offer_group_id__in=[999, 1001])

    response = admin_client.post(
        EN_CHANGELIST, {"action": "refresh_price", "_selected_action": [o.pk for o in selected]}, follow=True
    )

    assert texts(response) == ["Refresh: refreshed 2, price changed 1"]
    assert Offer.objects.get(offer_group_id=1001).supplier_price == Decimal("600")


@pytest.mark.django_db
def test_refresh_price_refuses_a_selection_too_big_for_one_request(admin_client, monkeypatch):
    monkeypatch.setattr("catalog.admin.offers.REFRESH_LIMIT", 2)
    offers = OfferFactory.create_batch(3)

    response = admin_client.post(
        EN_CHANGELIST, {"action": "refresh_price", "_selected_action": [o.pk for o in offers]}, follow=True
    )

    assert texts(response) == [
        "Select at most 2 offers to refresh (one supplier call each); use Sync now for the whole catalog."
    ]


@pytest.mark.django_db(transaction=True)
def test_sync_now_queues_a_run_and_shows_it(admin_client, gd, monkeypatch):
    # given the task queue runs tasks inline
    monkeypatch.setattr(Conf, "SYNC", True)

    response = admin_client.post(en_reverse("admin:catalog_offer_sync_now"))

    run = SyncRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == en_reverse("admin:catalog_syncrun_change", run.pk)
    assert (run.status, run.trigger, run.created) == (RunStatus.SUCCEEDED, "admin", 60)
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "fetched 60, created 60, updated 0, unchanged 0, removed 0" in page.content.decode()


@pytest.mark.django_db
def test_sync_now_needs_a_post(admin_client):
    assert admin_client.get(reverse("admin:catalog_offer_sync_now")).status_code == 405
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_sync_runs_of_both_sources_are_listed_read_only(admin_client):
    SyncRunFactory(
        source=SyncSource.GAMESDROP_OFFERS, status=RunStatus.FAILED, message="gamesdrop: [INVALID_TOKEN]"
    )
    SyncRunFactory(source=SyncSource.TRIBUTE_PRODUCTS)

    response = admin_client.get(reverse("admin:catalog_syncrun_changelist"))

    assert response.status_code == 200
    assert {run.source for run in response.context["cl"].result_list} == {
        "gamesdrop_offers",
        "tribute_products",
    }
    assert "gamesdrop: [INVALID_TOKEN]" in response.content.decode()
    assert admin_client.get(reverse("admin:catalog_syncrun_add")).status_code == 403


@pytest.mark.django_db
def test_price_changes_are_listed_read_only(admin_client):
    change = OfferPriceChangeFactory()

    response = admin_client.get(reverse("admin:catalog_offerpricechange_changelist"))

    assert response.status_code == 200
    assert "10 USD" in response.content.decode()
    assert "12 USD" in response.content.decode()
    assert (
        admin_client.get(reverse("admin:catalog_offerpricechange_change", args=[change.pk])).status_code
        == 200
    )
    assert admin_client.get(reverse("admin:catalog_offerpricechange_add")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_sandbox_records_are_visible_read_only(admin_client, gd: GamesDropClient):
    gd.create_order(
        OrderRequest(offer_id=999, price=Decimal("23.09"), transaction_id="seen", customer=Customer())
    )

    for name in ("gamesdroporder", "gamesdroptransaction", "gamesdropaccount", "gamesdropofferoverride"):
        response = admin_client.get(reverse(f"admin:sandbox_{name}_changelist"))
        assert response.status_code == 200, name
    assert "seen" in admin_client.get(reverse("admin:sandbox_gamesdroporder_changelist")).content.decode()
    assert admin_client.get(reverse("admin:sandbox_gamesdroporder_add")).status_code == 403


@pytest.mark.django_db
def test_a_retail_price_typed_by_staff_is_in_the_offer_currency_shown_then(admin_client, flagged):
    offer = flagged[0]  # retail 10 USD
    Offer.objects.filter(pk=offer.pk).update(currency="EUR")  # the supplier moved it since
    url = reverse("admin:catalog_offer_change", args=[offer.pk])
    assert Offer.objects.get(pk=offer.pk).retail_currency == "USD"

    admin_client.post(url, {"retail_price": "11.00", "markup_percent": "", "_save": "Save"})

    assert Offer.objects.values_list("retail_price", "retail_currency").get(pk=offer.pk) == (
        Decimal("11.00"),
        "EUR",
    )
