"""The demo's orders: through the real services against the sandbox, or written directly when the
sandbox never answers; idempotent either way."""

import pytest

from giftoffice.demo import orders as demo_orders
from giftoffice.sandbox.models import GamesDropOrder, GiftlySentGift
from orders.models import OrderEvent, OrderStatus, Sale, SupplierOrder

pytestmark = pytest.mark.django_db(transaction=True)


def statuses() -> list[tuple[str, str]]:
    return sorted(SupplierOrder.objects.values_list("supplier", "status"))


def test_the_demo_orders_go_through_the_sandbox_when_it_answers(offers, teddy):
    offers(999)

    result = demo_orders.place_demo_orders(wait_seconds=5)

    assert result == (
        "demo orders through the sandbox: Telegram gift COMPLETED, offer 999 COMPLETED, top-up PROCESSING"
    )
    assert statuses() == [
        ("gamesdrop", OrderStatus.COMPLETED),
        ("gamesdrop", OrderStatus.PROCESSING),
        ("giftly", OrderStatus.COMPLETED),
    ]
    assert SupplierOrder.objects.get(offer__offer_group_id=999).activation_key
    assert GiftlySentGift.objects.count() == 1
    assert GamesDropOrder.objects.count() == 2
    assert demo_orders.place_demo_orders(wait_seconds=0) == "demo orders already there"
    assert demo_orders.load_demo_orders() == "demo orders already there"
    assert Sale.objects.count() == 3


def test_the_demo_orders_are_written_directly_with_events_when_the_sandbox_is_down(settings, teddy):
    settings.GAMESDROP_BASE_URL = "http://127.0.0.1:9/gamesdrop"  # nothing listens there

    result = demo_orders.place_demo_orders(wait_seconds=0.5)

    assert result == (
        "demo orders written directly (the sandbox did not answer): 1 of 3 (offers need the sync)"
    )
    order = SupplierOrder.objects.get()
    assert order.status == OrderStatus.COMPLETED
    assert list(OrderEvent.objects.filter(order=order).values_list("to_status", "message")) == [
        (OrderStatus.SUBMITTING, ""),
        (OrderStatus.COMPLETED, demo_orders.DIRECT),
    ]
