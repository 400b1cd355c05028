"""Every door that buys is idempotent: a confirmation posted twice (a double click, a browser resubmit,
a proxy retry) or a command run twice with the same --idempotency-key buys once, and the repeat shows
what the first one made."""

import io
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from giftoffice.sandbox.models import GamesDropOrder, GiftlySentGift
from orders.models import Campaign, CampaignRun, PurchaseKey, PurchaseKind, Sale, SupplierOrder
from orders.services import purchase_keys
from orders.services.sales import SaleInputError
from orders.tasks import run_campaign
from tests.api.factories import GiftFactory

pytestmark = pytest.mark.django_db(transaction=True)

ALREADY = "Already confirmed"


def staff(django_user_model, *codenames, name="clerk"):
    user = django_user_model.objects.create_user(name, password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["orders", "catalog"], codename__in=codenames)
    )
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk(django_user_model):
    return staff(
        django_user_model,
        "view_telegramgift",
        "add_campaign",
        "view_gift",
        "change_gift",
        "add_supplierorder",
        "view_supplierorder",
    )


@pytest.fixture
def run_queued_now(monkeypatch):
    """A queued submit runs as soon as it is enqueued (after the commit), as the worker would."""
    monkeypatch.setattr("orders.tasks.async_task", lambda func, *args, **kwargs: func(*args))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def run(*args) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines()


# --- the three confirmation pages, posted twice ---------------------------------------------------------


def test_a_send_confirmation_posted_twice_makes_one_campaign_and_sends_each_recipient_once(
    sandbox, clerk, teddy
):
    client = client_for(clerk)
    url = f"/en/admin/catalog/telegramgift/{teddy.pk}/send/"
    data = {
        "recipients": "101\n102\n103\n104\n105",
        "text": "",
        "buyer_id": "",
        "amount_paid": "",
        "currency": "",
    }
    page = client.post(url, data)
    confirmation = {**data, "confirm": "yes", "confirmation": page.context["confirmation"]}

    first = client.post(url, confirmation, follow=True)
    second = client.post(url, confirmation, follow=True)

    run = CampaignRun.objects.get()
    assert Campaign.objects.count() == 1
    assert first.redirect_chain == [(f"/en/admin/orders/campaignrun/{run.pk}/change/", 302)]
    assert second.redirect_chain == [(f"/en/admin/orders/campaignrun/{run.pk}/change/", 302)]
    assert messages_of(second) == [
        f"Already confirmed: this page created campaign #{run.campaign_id}; nothing was sent again."
    ]
    run_campaign(run.pk)
    assert sorted(GiftlySentGift.objects.values_list("recipient", flat=True)) == [
        "101",
        "102",
        "103",
        "104",
        "105",
    ]
    assert Sale.objects.count() == 5


def test_a_buy_confirmation_posted_twice_places_one_gamesdrop_order(clerk, offers, calls, run_queued_now):
    offer = offers(999)
    client = client_for(clerk)
    url = f"/en/admin/catalog/offer/{offer.pk}/buy/"
    checked = client.post(url, {"check": "yes"})
    confirmation = {"confirm": "yes", "confirmation": checked.context["confirmation"]}

    first = client.post(url, confirmation, follow=True)
    second = client.post(url, confirmation, follow=True)

    order = SupplierOrder.objects.get()
    assert first.redirect_chain == [(f"/en/admin/orders/supplierorder/{order.pk}/change/", 302)]
    assert second.redirect_chain == [(f"/en/admin/orders/supplierorder/{order.pk}/change/", 302)]
    assert messages_of(second) == [
        f"Already confirmed: this page placed order {order.transaction_id}; nothing was bought again."
    ]
    assert GamesDropOrder.objects.count() == 1
    assert calls[("gamesdrop", "create-order")] == 1
    assert calls[("gamesdrop", "find-one")] == 2  # the check and the first confirm; the repeat asks nothing
    assert calls.in_transaction == []  # the key's row is never held across a supplier call


def test_the_repeat_is_told_in_the_staff_language(clerk, offers, run_queued_now):
    offer = offers(999)
    client = client_for(clerk)
    url = f"/ru/admin/catalog/offer/{offer.pk}/buy/"
    confirmation = {
        "confirm": "yes",
        "confirmation": client.post(url, {"check": "yes"}).context["confirmation"],
    }
    client.post(url, confirmation, follow=True)

    second = client.post(url, confirmation, follow=True)

    order = SupplierOrder.objects.get()
    assert messages_of(second) == [
        f"Уже подтверждено: эта страница создала заказ {order.transaction_id}; повторно ничего не куплено."
    ]


def test_a_sell_confirmation_of_a_telegram_gift_posted_twice_sends_one_gift(
    sandbox, clerk, teddy, run_queued_now
):
    gift = GiftFactory(telegram_gift=teddy)
    client = client_for(clerk)
    url = f"/en/admin/catalog/gift/{gift.pk}/sell/"
    page = client.get(url)
    confirmation = {"recipient_id": "987654321", "confirmation": page.context["confirmation"]}

    client.post(url, confirmation, follow=True)
    second = client.post(url, confirmation, follow=True)

    order = SupplierOrder.objects.get()
    assert second.redirect_chain == [(f"/en/admin/orders/supplierorder/{order.pk}/change/", 302)]
    assert ALREADY in messages_of(second)[0]
    assert GiftlySentGift.objects.count() == 1
    assert Sale.objects.get().gift == gift


def test_a_sell_confirmation_of_an_offer_posted_twice_places_one_gamesdrop_order(
    clerk, offers, calls, run_queued_now
):
    gift = GiftFactory(offer=offers(999))
    client = client_for(clerk)
    url = f"/en/admin/catalog/gift/{gift.pk}/sell/"
    checked = client.post(url, {"check": "yes"})
    confirmation = {"confirm": "yes", "confirmation": checked.context["confirmation"]}

    client.post(url, confirmation, follow=True)
    second = client.post(url, confirmation, follow=True)

    order = SupplierOrder.objects.get()
    assert second.redirect_chain == [(f"/en/admin/orders/supplierorder/{order.pk}/change/", 302)]
    assert ALREADY in messages_of(second)[0]
    assert GamesDropOrder.objects.count() == 1
    assert calls[("gamesdrop", "create-order")] == 1


def test_each_check_makes_a_fresh_token_so_a_new_check_is_a_new_purchase(clerk, offers, run_queued_now):
    offer = offers(999)
    client = client_for(clerk)
    url = f"/en/admin/catalog/offer/{offer.pk}/buy/"

    tokens = [client.post(url, {"check": "yes"}).context["confirmation"] for _ in range(2)]
    for token in tokens:
        client.post(url, {"confirm": "yes", "confirmation": token})

    assert tokens[0] != tokens[1]
    assert GamesDropOrder.objects.count() == 2


def test_a_confirmation_without_its_token_buys_nothing(sandbox, clerk, offers, teddy):
    offer = offers(999)
    client = client_for(clerk)

    bought = client.post(f"/en/admin/catalog/offer/{offer.pk}/buy/", {"confirm": "yes"})
    sent = client.post(
        f"/en/admin/catalog/telegramgift/{teddy.pk}/send/", {"recipients": "101", "confirm": "yes"}
    )

    assert "carries no one-time token" in bought.content.decode()
    assert "carries no one-time token" in sent.content.decode()
    assert 'name="confirm"' in sent.content.decode()  # the confirmation page again, with a fresh token
    assert (Sale.objects.count(), Campaign.objects.count(), GamesDropOrder.objects.count()) == (0, 0, 0)


def test_a_token_is_refused_to_another_user_and_for_another_kind_of_purchase(
    django_user_model, clerk, offers, teddy, run_queued_now
):
    offer = offers(999)
    client = client_for(clerk)
    url = f"/en/admin/catalog/offer/{offer.pk}/buy/"
    token = client.post(url, {"check": "yes"}).context["confirmation"]
    client.post(url, {"confirm": "yes", "confirmation": token})
    other = client_for(staff(django_user_model, "add_supplierorder", name="other"))

    by_other = other.post(url, {"confirm": "yes", "confirmation": token})
    as_send = client.post(
        f"/en/admin/catalog/telegramgift/{teddy.pk}/send/",
        {"recipients": "101", "confirm": "yes", "confirmation": token},
    )

    for response in (by_other, as_send):
        assert response.status_code == 200
        assert "used for another purchase or by someone else" in response.content.decode()
    assert (Sale.objects.count(), Campaign.objects.count(), GamesDropOrder.objects.count()) == (1, 0, 1)


# --- concurrent confirmations (PostgreSQL: SQLite serialises writers) -----------------------------------


def race(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            results.append(work())
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_concurrent_uses_of_one_key_make_exactly_one_sale(postgres_only):
    done = race(
        8,
        lambda: purchase_keys.once(key="k-1", kind=PurchaseKind.SELL, make=lambda: Sale.objects.create()),
    )

    sale = Sale.objects.get()
    assert sorted(result.repeated for result in done) == [False] + [True] * 7
    assert {result.key.sale_id for result in done} == {sale.pk}
    assert PurchaseKey.objects.get().sale == sale


def test_a_buy_confirmation_posted_twice_at_once_places_one_order(
    clerk, offers, calls, run_queued_now, postgres_only
):
    offer = offers(999)
    url = f"/en/admin/catalog/offer/{offer.pk}/buy/"
    token = client_for(clerk).post(url, {"check": "yes"}).context["confirmation"]

    responses = race(2, lambda: client_for(clerk).post(url, {"confirm": "yes", "confirmation": token}))

    order = SupplierOrder.objects.get()
    assert [response.status_code for response in responses] == [302, 302]
    assert {response["Location"] for response in responses} == {
        f"/en/admin/orders/supplierorder/{order.pk}/change/"
    }
    assert GamesDropOrder.objects.count() == 1
    assert calls[("gamesdrop", "create-order")] == 1


# --- the commands' --idempotency-key -------------------------------------------------------------------


def test_buy_offer_run_twice_with_one_key_buys_once_and_reports_the_first_order(offers, calls):
    offers(999)

    first = run("buy_offer", "999", "--idempotency-key", "order-2026-12-07-1")
    again = run("buy_offer", "999", "--idempotency-key", "order-2026-12-07-1")

    order = SupplierOrder.objects.get()
    assert first == (0, [f"{order.transaction_id} COMPLETED"])
    assert again == (
        0,
        [
            "buy_offer: already placed with this idempotency key, nothing bought again",
            f"{order.transaction_id} COMPLETED",
        ],
    )
    assert GamesDropOrder.objects.count() == 1
    assert calls[("gamesdrop", "create-order")] == 1


def test_send_telegram_gift_run_twice_with_one_key_sends_once_and_reports_the_first_campaign(sandbox, teddy):
    args = ("send_telegram_gift", teddy.gift_id, "101", "102", "--idempotency-key", "promo-7")

    first = run(*args)
    again = run(*args)

    campaign = Campaign.objects.get()
    assert first[0] == 0
    assert first[1][-1] == "send_telegram_gift: sent 2, outcome unknown 0, failed 0"
    assert again == (
        0,
        [
            f"send_telegram_gift: already done with this idempotency key, nothing sent now: campaign "
            f"#{campaign.pk} finished: sent 2, outcome unknown 0, failed 0, sending 0, not sent 0"
        ],
    )
    assert GiftlySentGift.objects.count() == 2


@pytest.mark.parametrize("key", ["", "has space", "x" * 101, "ключ"])
def test_a_malformed_idempotency_key_is_an_error_and_nothing_is_bought(offers, key):
    offers(999)

    with pytest.raises(CommandError):
        call_command("buy_offer", "999", "--idempotency-key", key, stdout=io.StringIO())
    assert (SupplierOrder.objects.count(), GamesDropOrder.objects.count()) == (0, 0)


def test_a_key_used_by_a_command_is_refused_to_a_user(django_user_model):
    purchase_keys.once(key="shared", kind=PurchaseKind.SELL, make=lambda: Sale.objects.create())

    with pytest.raises(SaleInputError, match="used for another purchase or by someone else"):
        purchase_keys.used(
            key="shared", kind=PurchaseKind.SELL, user=django_user_model.objects.create(username="u")
        )
