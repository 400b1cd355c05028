"""GamesDrop purchases over real HTTP against the sandbox, faults armed: every status path, every
error code the flow meets, and exactly one supplier order whatever the network does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from giftoffice.sandbox import faults
from giftoffice.sandbox.models import GamesDropOrder
from giftoffice.sandbox.providers import gamesdrop_state
from orders.models import OrderEvent, OrderStatus, Sale, SupplierOrder
from orders.services import gamesdrop
from orders.services.gamesdrop import PurchaseRefused, check_purchase, place_order
from orders.services.polling import poll_orders

pytestmark = pytest.mark.django_db(transaction=True)


def buy(offer, **fields) -> SupplierOrder:
    check = check_purchase(offer=offer, **fields)
    order = place_order(check=check)
    return gamesdrop.submit(order=order)


def moves(order) -> list[tuple[str, str]]:
    return list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status"))


def poll_until_final(order, *, rounds=5) -> SupplierOrder:
    for _ in range(rounds):
        order.refresh_from_db()
        if order.is_final:
            return order
        order = gamesdrop.refresh(order=order)
    return order


def test_test_offer_completes_at_once_with_its_key_stored_encrypted_and_the_sale_completed(offers, calls):
    order = buy(offers(999))

    assert order.status == OrderStatus.COMPLETED
    stored = GamesDropOrder.objects.get()
    assert (stored.transaction_id, str(stored.order_id)) == (order.transaction_id, order.supplier_order_id)
    assert SupplierOrder.objects.get(pk=order.pk).activation_key == stored.key
    assert Sale.objects.get(pk=order.sale_id).completed_at is not None
    assert moves(order) == [("NEW", "SUBMITTING"), ("SUBMITTING", "COMPLETED")]
    assert "key" not in str(
        OrderEvent.objects.filter(order=order).values_list("supplier_answer", flat=True)[1]
    )
    assert calls[("gamesdrop", "create-order")] == 1
    assert calls.in_transaction == []


def test_key_offer_goes_submitted_processing_completed_over_polls(offers):
    order = buy(offers(1001))
    assert order.status == OrderStatus.SUBMITTED
    assert order.next_poll_at is not None

    order = poll_until_final(order)

    assert order.status == OrderStatus.COMPLETED
    assert order.activation_key.startswith("SBX-")
    assert moves(order) == [
        ("NEW", "SUBMITTING"),
        ("SUBMITTING", "SUBMITTED"),
        ("SUBMITTED", "PROCESSING"),
        ("PROCESSING", "COMPLETED"),
    ]


@pytest.mark.parametrize(
    ("offer_id", "final"),
    [(970, OrderStatus.CANCELED), (971, OrderStatus.FAILED), (972, OrderStatus.REFUNDED)],
)
def test_supplier_final_statuses_are_mapped_with_the_supplier_message(offers, offer_id, final):
    order = poll_until_final(buy(offers(offer_id)))

    assert order.status == final
    assert order.supplier_message == GamesDropOrder.objects.get().message
    assert order.supplier_message
    assert order.sale.completed_at is None


def test_out_of_stock_is_refused_before_anything_is_created(offers):
    with pytest.raises(PurchaseRefused, match="out of stock"):
        check_purchase(offer=offers(973))
    assert SupplierOrder.objects.count() == 0


def test_out_of_stock_at_create_order_cancels_and_is_not_retried(offers, calls):
    offer = offers(999)
    check = check_purchase(offer=offer)
    gamesdrop_state.set_offer(999, in_stock=False)

    order = gamesdrop.submit(order=place_order(check=check))

    assert order.status == OrderStatus.CANCELED
    assert "OUT_OF_STOCK" in order.supplier_message
    assert poll_orders().looked_at == 0
    assert calls[("gamesdrop", "create-order")] == 1


def test_wrong_price_cancels_stores_the_new_price_and_says_from_what_to_what(offers):
    offer = offers(999)
    check = check_purchase(offer=offer)
    gamesdrop_state.set_offer(999, price=Decimal("25.00"))

    order = gamesdrop.submit(order=place_order(check=check))

    assert order.status == OrderStatus.CANCELED
    assert order.supplier_message == (
        "price changed from 23.09 KZT to 25 KZT; place a new order at the new price"
    )
    offer.refresh_from_db()
    assert offer.supplier_price == Decimal("25.00")
    assert GamesDropOrder.objects.count() == 0


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda: gamesdrop_state.set_offer(1001, hidden=True), "OFFER_NOT_FOUND"),
        (lambda: gamesdrop_state.set_account(balance=Decimal("0.00")), "INSUFFICIENT_BALANCE"),
    ],
)
def test_final_refusals_cancel_with_the_code_and_are_never_retried(offers, calls, setup, code):
    check = check_purchase(offer=offers(1001))
    setup()

    order = gamesdrop.submit(order=place_order(check=check))

    assert order.status == OrderStatus.CANCELED
    assert code in order.supplier_message
    assert poll_orders(now=timezone.now() + timedelta(hours=1)).looked_at == 0
    assert calls[("gamesdrop", "create-order")] == 1


def test_invalid_token_cancels_and_is_not_retried(offers, settings, calls):
    from giftoffice.integrations.gamesdrop import GamesDropClient

    check = check_purchase(offer=offers(999))
    wrong = GamesDropClient(base_url=settings.GAMESDROP_BASE_URL, token="wrong-token")

    order = gamesdrop.submit(order=place_order(check=check), client=wrong)

    assert order.status == OrderStatus.CANCELED
    assert "INVALID_TOKEN" in order.supplier_message
    assert "wrong-token" not in order.supplier_message
    assert calls[("gamesdrop", "create-order")] == 1


def test_create_order_that_commits_then_hangs_is_adopted_by_lookup_with_one_supplier_order(
    offers, hang_timeouts, calls
):
    faults.arm(provider="gamesdrop", kind="commit_then_hang", path="create-order", delay_seconds=3)

    order = buy(offers(999))

    assert order.status == OrderStatus.COMPLETED
    assert GamesDropOrder.objects.count() == 1
    assert order.supplier_order_id == str(GamesDropOrder.objects.get().order_id)
    assert moves(order) == [
        ("NEW", "SUBMITTING"),
        ("SUBMITTING", "OUTCOME_UNKNOWN"),
        ("OUTCOME_UNKNOWN", "COMPLETED"),
    ]
    assert calls[("gamesdrop", "create-order")] == 1


@pytest.mark.parametrize("kind", ["http_503", "drop", "http_500"])
def test_retryable_failure_before_commit_is_looked_up_then_resent_with_the_same_transaction_id(
    offers, calls, kind
):
    faults.arm(provider="gamesdrop", kind=kind, path="create-order")

    order = buy(offers(999))

    assert order.status == OrderStatus.OUTCOME_UNKNOWN
    assert calls[("gamesdrop", "order-status")] == 1  # looked up first
    assert GamesDropOrder.objects.count() == 0

    summary = poll_orders(now=timezone.now() + timedelta(hours=1))

    order.refresh_from_db()
    assert summary.looked_at == 1
    assert order.status == OrderStatus.COMPLETED
    assert GamesDropOrder.objects.get().transaction_id == order.transaction_id
    assert calls[("gamesdrop", "create-order")] == 2
    assert order.attempts == 2


def test_transaction_duplicate_is_looked_up_and_adopted(offers):
    offer = offers(999)
    order = place_order(check=check_purchase(offer=offer))
    # GamesDrop already has our transaction id (a first send whose answer we lost).
    from giftoffice.integrations import gamesdrop as api

    api.client().create_order(
        api.OrderRequest(offer_id=999, price=order.price, transaction_id=order.transaction_id)
    )

    order = gamesdrop.submit(order=order)

    assert order.status == OrderStatus.COMPLETED
    assert GamesDropOrder.objects.count() == 1


def test_a_redelivered_task_after_the_worker_died_looks_up_and_never_sends_twice(offers, calls):
    from orders.tasks import submit_order

    order = place_order(check=check_purchase(offer=offers(999)))
    # The first worker claimed and sent, then died before recording the answer.
    from orders.services.status import claim_for_submission

    assert claim_for_submission(order=order)
    from giftoffice.integrations import gamesdrop as api

    api.client().create_order(
        api.OrderRequest(offer_id=999, price=order.price, transaction_id=order.transaction_id)
    )
    calls.clear()

    assert submit_order(order.pk).endswith("SUBMITTING")  # too recent: maybe still in flight elsewhere
    SupplierOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert submit_order(order.pk).endswith("COMPLETED")

    assert calls[("gamesdrop", "create-order")] == 0
    assert GamesDropOrder.objects.count() == 1


def test_an_open_order_is_polled_with_backoff_until_final(offers):
    order = buy(offers(1001))
    first_due = order.next_poll_at

    assert poll_orders(now=timezone.now()).looked_at == 0  # not due yet
    poll_orders(now=first_due + timedelta(seconds=1))
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert order.next_poll_at - timezone.now() > timedelta(seconds=15)  # the second wait is longer

    poll_orders(now=timezone.now() + timedelta(hours=1))
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert order.next_poll_at is None


# --- checks before sending ---------------------------------------------------------------------------


def test_top_up_needs_the_player_id_and_an_invalid_player_blocks(offers, calls):
    with pytest.raises(PurchaseRefused, match="needs the player's game user id"):
        check_purchase(offer=offers(101))
    with pytest.raises(PurchaseRefused, match="not valid"):
        check_purchase(offer=offers(101), game_user_id="12")
    assert calls[("gamesdrop", "create-order")] == 0

    check = check_purchase(offer=offers(101), game_user_id="52357322414")
    assert check.player_login == "Player2414"


def test_server_is_required_chosen_from_the_servers_list_by_label_or_id(offers):
    with pytest.raises(PurchaseRefused, match=r"needs a server: one of Europe \(os_euro\)"):
        check_purchase(offer=offers(960), game_user_id="52357322414")
    with pytest.raises(PurchaseRefused, match="unknown server"):
        check_purchase(offer=offers(960), game_user_id="52357322414", game_server_id="mars")

    check = check_purchase(offer=offers(960), game_user_id="52357322414", game_server_id="Europe")
    order = gamesdrop.submit(order=place_order(check=check))

    assert check.game_server_id == "os_euro"
    assert order.status == OrderStatus.SUBMITTED
    assert GamesDropOrder.objects.get().customer["gameServerId"] == "os_euro"


def test_stars_resolve_the_username_to_an_id_and_complete(offers):
    check = check_purchase(offer=offers(951), telegram_username="@igoryan34")
    order = gamesdrop.submit(order=place_order(check=check))

    assert check.game_user_id == "143594291"
    assert order.status == OrderStatus.COMPLETED
    assert order.sale.recipient_id == 143594291


def test_stars_refuse_a_username_without_a_visible_id_and_more_than_2500(offers):
    with pytest.raises(PurchaseRefused, match="@gamesdrop_api_bot"):
        check_purchase(offer=offers(951), telegram_username="@someone_else")
    with pytest.raises(PurchaseRefused, match="1 to 2500 stars"):
        check_purchase(offer=offers(956), telegram_username="@igoryan34")
    assert SupplierOrder.objects.count() == 0


def test_margin_guard_refuses_a_cost_above_retail_without_the_override(offers, django_user_model):
    offer = offers(999)
    offer.retail_price = Decimal("20.00")
    offer.save()
    check = check_purchase(offer=offer)
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)

    with pytest.raises(PurchaseRefused, match="above our retail price"):
        place_order(check=check, user=clerk)
    with pytest.raises(PurchaseRefused, match="override permission"):
        place_order(check=check, user=clerk, override_margin=True)
    assert SupplierOrder.objects.count() == 0

    boss = django_user_model.objects.create_superuser("boss")
    assert place_order(check=check, user=boss, override_margin=True).status == "NEW"


def test_balance_below_the_cost_is_refused_before_sending(offers):
    gamesdrop_state.set_account(balance=Decimal("1.00"))

    with pytest.raises(PurchaseRefused, match=r"balance 1\.00 USD is below"):
        check_purchase(offer=offers(1001))  # 560.10 RUB is about 6.17 USD


def test_removed_offer_is_refused(offers):
    offer = offers(999)
    offer.removed_at = timezone.now()
    offer.save()

    with pytest.raises(PurchaseRefused, match="no longer in the GamesDrop catalog"):
        check_purchase(offer=offer)


def test_invalid_request_body_cancels_with_the_supplier_message(offers):
    # 3000 Stars: our check refuses it; placed anyway, GamesDrop's own refusal ends it the same.
    order = place_order(check=check_purchase(offer=offers(999)))
    stars = offers(956)
    SupplierOrder.objects.filter(pk=order.pk).update(
        offer=stars,
        price=stars.supplier_price,
        currency=stars.currency,
        request={"game_user_id": "143594291"},
    )
    order.refresh_from_db()

    order = gamesdrop.submit(order=order)

    assert order.status == OrderStatus.CANCELED
    assert "INVALID_REQUEST_BODY" in order.supplier_message
    assert poll_orders(now=timezone.now() + timedelta(hours=1)).looked_at == 0


@pytest.mark.parametrize("code", ["BALANCE_UNAVAILABLE", "SERVICE_UNAVAILABLE"])
def test_unavailable_codes_are_looked_up_never_failed(settings, code):
    import responses

    from tests.gamesdrop.factories import OfferFactory

    settings.GAMESDROP_BASE_URL = "https://gd.example"
    offer = OfferFactory(offer_group_id=999, requires_game_user_id=False)
    sale = Sale.objects.create()
    order = SupplierOrder.objects.create(
        sale=sale, supplier="gamesdrop", offer=offer, price=Decimal("23.09"), currency="KZT"
    )
    with responses.RequestsMock() as mock:
        mock.post(
            "https://gd.example/api/v1/offers/create-order",
            status=400,
            json={"code": code, "message": "temporarily unavailable"},
        )
        mock.post(
            "https://gd.example/api/v1/offers/order-status",
            status=404,
            json={"code": "ORDER_NOT_FOUND", "message": "Order not found"},
        )

        order = gamesdrop.submit(order=order)

    assert order.status == OrderStatus.OUTCOME_UNKNOWN
    assert order.next_poll_at is not None
    assert order.supplier_message == (
        "GamesDrop has no order with our transaction id yet; it will be sent again"
    )
