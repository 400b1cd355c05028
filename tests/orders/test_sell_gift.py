"""A gift of our catalog names the supplier item that fulfils it (never on the partner wire), and
"Sell…" on the gift buys that item for a customer through the orders services, the sale recording
the gift."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError
from django.test import Client
from django.utils.module_loading import import_string

from catalog.models import Gift
from catalog.publishing.render import render_gift
from catalog.selectors.gift_wire import gift_payload, wire_json_of
from giftoffice.sandbox.models import GamesDropOrder, GiftlySentGift
from orders.models import OrderStatus, Sale, SupplierOrder
from tests.api.factories import GiftFactory

GIFTS = "/en/admin/catalog/gift/"


def staff(django_user_model, *codenames, name="seller"):
    user = django_user_model.objects.create_user(name, password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["orders", "catalog"], codename__in=codenames)
    )
    return user


def client_for(user, *, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.fixture
def run_queued_now(monkeypatch):
    """The queued send runs as soon as it is enqueued (after the commit), as the worker would."""
    queued = []

    def run_now(func, *args, **kwargs):
        func = import_string(func) if isinstance(func, str) else func
        queued.append(f"{func.__module__}.{func.__name__}")
        return func(*args)

    monkeypatch.setattr("orders.tasks.async_task", run_now)
    return queued


@pytest.fixture
def seller(django_user_model):
    return client_for(staff(django_user_model, "view_gift", "change_gift", "add_supplierorder"))


# --- the gift names its item ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_gift_form_offers_the_fulfilling_item_fields(seller):
    gift = GiftFactory()

    page = seller.get(f"{GIFTS}{gift.pk}/change/")

    form = page.context["adminform"].form
    assert {"telegram_gift", "offer"} <= set(form.fields)
    assert form.fields["telegram_gift"].required is False
    html = page.content.decode()
    assert "Fulfilment" in html
    assert "Not sent to partners." in html


@pytest.mark.django_db
def test_a_gift_cannot_name_both_a_telegram_gift_and_an_offer(teddy):
    from tests.gamesdrop.factories import OfferFactory

    with pytest.raises(IntegrityError):
        GiftFactory(telegram_gift=teddy, offer=OfferFactory())


@pytest.mark.django_db
def test_the_fulfilling_item_is_not_part_of_the_partner_wire_format(teddy, settings):
    settings.PUBLIC_BASE_URL = "https://office.example"
    gift = GiftFactory()
    before = (
        wire_json_of([gift.pk], media_prefix="https://office.example/media/"),
        json.dumps(gift_payload(gift.pk, media_prefix="https://office.example/media/")),
        json.dumps(render_gift(gift, languages=["ro", "ru", "en", "uk"])),
    )

    Gift.objects.filter(pk=gift.pk).update(telegram_gift=teddy)
    gift.refresh_from_db()

    after = (
        wire_json_of([gift.pk], media_prefix="https://office.example/media/"),
        json.dumps(gift_payload(gift.pk, media_prefix="https://office.example/media/")),
        json.dumps(render_gift(gift, languages=["ro", "ru", "en", "uk"])),
    )
    assert after == before
    assert b"telegram_gift" not in after[0]
    assert b"offer" not in after[0]


# --- Sell… ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sell_a_gift_fulfilled_by_a_telegram_gift_sends_it_once_and_the_sale_records_the_gift(
    sandbox, seller, teddy, run_queued_now
):
    gift = GiftFactory(telegram_gift=teddy)
    url = f"{GIFTS}{gift.pk}/sell/"
    page = seller.get(url)
    assert "Fulfilled by: Telegram gift 🧸" in page.content.decode()

    response = seller.post(
        url,
        {
            "recipient_id": "987654321",
            "text": "Hi",
            "amount_paid": "3",
            "currency": "EUR",
            "confirmation": page.context["confirmation"],
        },
    )

    order = SupplierOrder.objects.get()
    assert response["Location"] == f"/en/admin/orders/supplierorder/{order.pk}/change/"
    assert run_queued_now == ["orders.tasks.submit_order"]
    assert order.status == OrderStatus.COMPLETED
    assert order.telegram_gift == teddy
    assert (order.sale.gift, order.sale.recipient_id, order.sale.currency) == (gift, 987654321, "EUR")
    assert GiftlySentGift.objects.get().recipient == "987654321"


@pytest.mark.django_db(transaction=True)
def test_sell_a_gift_fulfilled_by_an_offer_checks_then_buys_it_and_the_sale_records_the_gift(
    seller, offers, run_queued_now
):
    gift = GiftFactory(offer=offers(999))
    url = f"{GIFTS}{gift.pk}/sell/"

    checked = seller.post(url, {"check": "yes"})
    assert SupplierOrder.objects.count() == 0
    assert "Before you confirm" in checked.content.decode()

    seller.post(url, {"confirm": "yes", "confirmation": checked.context["confirmation"]})

    order = SupplierOrder.objects.get()
    assert order.status == OrderStatus.COMPLETED
    assert order.sale.gift == gift
    assert GamesDropOrder.objects.get().transaction_id == order.transaction_id


@pytest.mark.django_db
def test_sell_a_gift_naming_no_item_says_so_and_creates_nothing(seller):
    gift = GiftFactory()

    response = seller.get(f"{GIFTS}{gift.pk}/sell/", follow=True)

    assert "names no supplier item" in response.content.decode()
    assert Sale.objects.count() == 0


@pytest.mark.django_db
def test_sell_refuses_a_bad_recipient_and_creates_nothing(seller, teddy):
    gift = GiftFactory(telegram_gift=teddy)

    page = seller.post(f"{GIFTS}{gift.pk}/sell/", {"recipient_id": "-5"})

    assert "negative" in page.content.decode()
    assert Sale.objects.count() == 0


@pytest.mark.django_db
def test_sell_needs_the_buy_permission_and_the_csrf_token(django_user_model, teddy):
    gift = GiftFactory(telegram_gift=teddy)
    viewer = client_for(staff(django_user_model, "view_gift", "change_gift"))
    buyer = client_for(staff(django_user_model, "view_gift", "add_supplierorder", name="b"), csrf=True)

    change = viewer.get(f"{GIFTS}{gift.pk}/change/").content.decode()

    assert "Sell…" not in change
    assert viewer.get(f"{GIFTS}{gift.pk}/sell/").status_code == 403
    assert buyer.post(f"{GIFTS}{gift.pk}/sell/", {"recipient_id": "987654321"}).status_code == 403
    assert Sale.objects.count() == 0
