"""Orders admin: each action behind its own permission, view-only staff see none, CSRF on every POST."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from giftoffice.sandbox.models import GamesDropOrder
from orders.models import OrderEvent, OrderStatus, Sale, Supplier, SupplierOrder
from orders.services.balance import refresh_balances
from orders.services.status import claim_for_submission, set_status

CHANGELIST = "/en/admin/orders/supplierorder/"


def staff(django_user_model, *codenames, name="clerk"):
    user = django_user_model.objects.create_user(name, password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="orders", codename__in=codenames)
    )
    return user


def client_for(user, *, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def giftly_order(teddy, status=OrderStatus.NEW, key="") -> SupplierOrder:
    sale = Sale.objects.create(recipient_id=987654321)
    order = SupplierOrder.objects.create(
        sale=sale, supplier=Supplier.GIFTLY, telegram_gift=teddy, request={"recipient": "987654321"}
    )
    if status != OrderStatus.NEW:
        claim_for_submission(order=order)
        set_status(order=order, to=status, message="test", activation_key=key)
    return order


def action(client, name, order):
    return client.post(CHANGELIST, {"action": name, "_selected_action": [order.pk]}, follow=True)


@pytest.mark.django_db
def test_view_only_staff_see_the_orders_but_no_action(django_user_model, teddy):
    order = giftly_order(teddy, OrderStatus.OUTCOME_UNKNOWN)
    client = client_for(staff(django_user_model, "view_supplierorder", "view_sale"))

    listing = client.get(CHANGELIST)
    page = client.get(f"{CHANGELIST}{order.pk}/change/")

    assert listing.status_code == 200
    assert order.transaction_id in listing.content.decode()
    assert 'name="action"' not in listing.content.decode()
    assert "Resolve…" not in page.content.decode()
    assert client.get(f"{CHANGELIST}{order.pk}/resolve/").status_code == 403
    assert client.post(f"{CHANGELIST}{order.pk}/reveal-key/").status_code == 403
    action(client, "cancel", order)
    assert SupplierOrder.objects.get(pk=order.pk).status == OrderStatus.OUTCOME_UNKNOWN


@pytest.mark.django_db
def test_each_action_shows_only_with_its_own_permission(django_user_model, teddy):
    giftly_order(teddy)
    client = client_for(staff(django_user_model, "view_supplierorder", "cancel_supplierorder"))

    choices = [
        value for value, _label in client.get(CHANGELIST).context["action_form"].fields["action"].choices
    ]

    assert choices == ["", "cancel"]


@pytest.mark.django_db
def test_cancel_only_before_submission(django_user_model, teddy):
    new, unknown = giftly_order(teddy), giftly_order(teddy, OrderStatus.OUTCOME_UNKNOWN)
    client = client_for(staff(django_user_model, "view_supplierorder", "cancel_supplierorder"))

    action(client, "cancel", new)
    response = action(client, "cancel", unknown)

    assert SupplierOrder.objects.get(pk=new.pk).status == OrderStatus.CANCELED
    assert SupplierOrder.objects.get(pk=unknown.pk).status == OrderStatus.OUTCOME_UNKNOWN
    assert "only an order not yet sent can be canceled" in response.content.decode()
    assert OrderEvent.objects.filter(order=new, to_status="CANCELED").get().actor.username == "clerk"


@pytest.mark.django_db
def test_retry_refuses_a_giftly_send_of_unknown_outcome(django_user_model, teddy):
    order = giftly_order(teddy, OrderStatus.OUTCOME_UNKNOWN)
    client = client_for(staff(django_user_model, "view_supplierorder", "retry_supplierorder"))

    response = action(client, "retry", order)

    assert "is never resent" in response.content.decode()
    assert SupplierOrder.objects.get(pk=order.pk).status == OrderStatus.OUTCOME_UNKNOWN


@pytest.mark.django_db
def test_resolve_marks_delivered_with_the_note_and_completes_the_sale(django_user_model, teddy):
    order = giftly_order(teddy, OrderStatus.OUTCOME_UNKNOWN)
    client = client_for(staff(django_user_model, "view_supplierorder", "resolve_supplierorder"))

    assert "Resolve…" in client.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    refused = client.post(f"{CHANGELIST}{order.pk}/resolve/", {"delivered": "yes", "note": ""})
    client.post(f"{CHANGELIST}{order.pk}/resolve/", {"delivered": "yes", "note": "Giftly support confirmed"})

    assert refused.status_code == 200  # the form again, with the note required
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert order.sale.completed_at is not None
    event = OrderEvent.objects.filter(order=order).last()
    assert event.message == "resolved by staff: delivered. Giftly support confirmed"


@pytest.mark.django_db
def test_the_key_is_masked_and_each_reveal_is_an_event(django_user_model, teddy):
    order = giftly_order(teddy, OrderStatus.COMPLETED, key="AAAA-BBBB-CCCC")
    clerk = client_for(staff(django_user_model, "view_supplierorder", name="clerk"))
    boss = client_for(staff(django_user_model, "view_supplierorder", "reveal_key_supplierorder", name="boss"))

    page = clerk.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    assert "AAAA-BBBB-CCCC" not in page
    assert "Reveal key" not in page
    assert boss.get(f"{CHANGELIST}{order.pk}/reveal-key/").status_code == 405
    revealed = boss.post(f"{CHANGELIST}{order.pk}/reveal-key/")

    assert "AAAA-BBBB-CCCC" in revealed.content.decode()
    assert "no-store" in revealed["Cache-Control"]
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.message, event.actor.username) == ("activation key revealed", "boss")


@pytest.mark.django_db
def test_every_action_refuses_a_post_without_the_csrf_token(django_user_model, teddy, offers_db):
    order = giftly_order(teddy, OrderStatus.OUTCOME_UNKNOWN)
    client = client_for(django_user_model.objects.create_superuser("root", password="pw"), csrf=True)

    for url, data in [
        (CHANGELIST, {"action": "cancel", "_selected_action": [order.pk]}),
        (f"{CHANGELIST}{order.pk}/resolve/", {"delivered": "yes", "note": "x"}),
        (f"{CHANGELIST}{order.pk}/reveal-key/", {}),
        (f"/en/admin/catalog/offer/{offers_db.pk}/buy/", {"confirm": "yes"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert SupplierOrder.objects.get(pk=order.pk).status == OrderStatus.OUTCOME_UNKNOWN


@pytest.fixture
def offers_db(db):
    from tests.gamesdrop.factories import OfferFactory

    return OfferFactory(offer_group_id=999, requires_game_user_id=False)


# --- Buy… over the sandbox -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_buy_shows_the_check_then_places_the_order_on_confirm(django_user_model, offers, monkeypatch):
    from giftoffice.task_paths import task_path

    queued = []

    def run_now(func, *args, **kwargs):
        queued.append(task_path(func))
        return func(*args)

    monkeypatch.setattr("orders.tasks.async_task", run_now)
    offer = offers(101)
    offer.retail_price = Decimal("1.50")
    offer.save()
    client = client_for(staff(django_user_model, "add_supplierorder", "view_supplierorder"))
    url = f"/en/admin/catalog/offer/{offer.pk}/buy/"

    checked = client.post(url, {"game_user_id": "52357322414", "check": "yes"})
    assert SupplierOrder.objects.count() == 0
    text = checked.content.decode()
    assert "Player2414" in text
    assert "0.51 USD" in text  # the margin: 1.50 retail - 0.99 GamesDrop

    token = checked.context["confirmation"]
    placed = client.post(url, {"game_user_id": "52357322414", "confirm": "yes", "confirmation": token})

    order = SupplierOrder.objects.get()
    assert placed.status_code == 302
    assert queued == ["orders.tasks.submit_order"]  # enqueued after the commit, then run here
    assert order.status == OrderStatus.SUBMITTED
    assert GamesDropOrder.objects.get().transaction_id == order.transaction_id
    assert order.sale.created_by.username == "clerk"


@pytest.mark.django_db(transaction=True)
def test_buy_needs_its_permission(django_user_model, offers):
    offer = offers(999)
    client = client_for(staff(django_user_model, "view_supplierorder"))

    assert client.get(f"/en/admin/catalog/offer/{offer.pk}/buy/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_admin_index_shows_the_gamesdrop_balance_and_warns_when_low(django_user_model, offers, settings):
    from django.core.cache import cache

    cache.clear()
    settings.GAMESDROP_LOW_BALANCE_USD = "1000"
    refresh_balances()  # what the schedule does
    client = client_for(django_user_model.objects.create_superuser("root", password="pw"))

    text = client.get("/en/admin/").content.decode()

    assert "GamesDrop balance" in text
    assert "500.25 USD" in text
    assert "low: below 1000 USD, top up" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title", "cancel"),
    [
        ("ro", "Comenzi la furnizor", "Anulează (doar comenzile încă netrimise)"),
        ("ru", "Заказы у поставщиков", "Отменить (только ещё не отправленные заказы)"),  # noqa: RUF001
        ("uk", "Замовлення в постачальників", "Скасувати (лише ще не відправлені замовлення)"),
    ],
)
def test_the_orders_admin_speaks_every_staff_language(django_user_model, teddy, language, title, cancel):
    giftly_order(teddy, OrderStatus.OUTCOME_UNKNOWN)
    client = client_for(django_user_model.objects.create_superuser("root", password="pw"))
    prefix = "" if language == "ro" else f"/{language}"

    text = client.get(f"{prefix}/admin/orders/supplierorder/").content.decode()

    assert title in text
    assert cancel in text


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("paid", "error"),
    [
        ({"amount_paid": "0", "currency": "USD"}, "amount paid must be more than 0"),
        ({"amount_paid": "5", "currency": "DOGE"}, "unknown currency"),
        ({"amount_paid": "5"}, "give the amount paid together with its currency"),
    ],
)
def test_buy_refuses_bad_payment_input_and_creates_nothing(django_user_model, offers, paid, error):
    offer = offers(999)
    client = client_for(staff(django_user_model, "add_supplierorder"))

    response = client.post(f"/en/admin/catalog/offer/{offer.pk}/buy/", {"confirm": "yes", **paid})

    assert error in response.content.decode()
    assert SupplierOrder.objects.count() == 0
    assert GamesDropOrder.objects.count() == 0


@pytest.mark.django_db
def test_a_refusal_is_shown_in_the_staff_language_and_stays_english_as_text(django_user_model, teddy):
    from orders.services.actions import OrderActionError, cancel_order

    order = giftly_order(teddy, OrderStatus.OUTCOME_UNKNOWN)
    client = client_for(staff(django_user_model, "view_supplierorder", "cancel_supplierorder"))

    response = client.post(
        "/ru/admin/orders/supplierorder/", {"action": "cancel", "_selected_action": [order.pk]}, follow=True
    )

    assert "отменить можно только ещё не отправленный заказ" in response.content.decode()
    with pytest.raises(OrderActionError) as info:
        cancel_order(order=order, actor=None)
    assert str(info.value) == "order is outcome unknown: only an order not yet sent can be canceled"


@pytest.mark.django_db
def test_orders_are_found_by_transaction_id_recipient_and_supplier_order_id_and_filtered_by_status(
    django_user_model, teddy
):
    unknown = giftly_order(teddy, OrderStatus.OUTCOME_UNKNOWN)
    done = giftly_order(teddy, OrderStatus.COMPLETED)
    SupplierOrder.objects.filter(pk=done.pk).update(supplier_order_id="777001")
    other = Sale.objects.create(recipient_id=111222333)
    SupplierOrder.objects.create(sale=other, supplier=Supplier.GIFTLY, telegram_gift=teddy)
    client = client_for(django_user_model.objects.create_superuser("root", password="pw"))

    def found(**params) -> set[int]:
        return {o.pk for o in client.get(CHANGELIST, params).context["cl"].result_list}

    assert found(q=unknown.transaction_id) == {unknown.pk}
    assert found(q="777001") == {done.pk}
    assert found(q="987654321") == {unknown.pk, done.pk}
    assert found(status__exact="OUTCOME_UNKNOWN") == {unknown.pk}
    assert found(supplier__exact="giftly", status__exact="COMPLETED") == {done.pk}
