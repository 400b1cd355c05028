import pytest

from catalog.models import TelegramGift
from giftoffice.transitions import InvalidTransition
from orders.models import OrderEvent, OrderStatus, Sale, Supplier, SupplierOrder
from orders.services.status import claim_for_submission, scrub, set_status

pytestmark = pytest.mark.django_db


def make_order() -> SupplierOrder:
    sale = Sale.objects.create(buyer_id=1, recipient_id=2)
    return SupplierOrder.objects.create(
        sale=sale, supplier=Supplier.GIFTLY, telegram_gift=TelegramGift.objects.first()
    )


def test_each_move_writes_one_event_with_from_and_to():
    order = make_order()
    assert claim_for_submission(order=order) is True
    set_status(order=order, to=OrderStatus.COMPLETED, message="queued by Giftly", supplier_answer={"id": "1"})
    moves = list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status", "message"))
    assert moves == [("NEW", "SUBMITTING", ""), ("SUBMITTING", "COMPLETED", "queued by Giftly")]
    order.refresh_from_db()
    assert order.finished_at is not None
    assert order.attempts == 1


def test_only_the_first_claim_wins():
    order = make_order()
    other_view = SupplierOrder.objects.get(pk=order.pk)
    assert claim_for_submission(order=order) is True
    assert claim_for_submission(order=other_view) is False


def test_a_move_the_table_forbids_is_refused_and_leaves_no_event():
    order = make_order()
    with pytest.raises(InvalidTransition):
        set_status(order=order, to=OrderStatus.COMPLETED)
    assert not OrderEvent.objects.filter(order=order).exists()


def test_secrets_are_scrubbed_from_stored_answers():
    assert scrub({"token": "t", "data": [{"key": "K-1", "status": "COMPLETED"}]}) == {
        "token": "***",
        "data": [{"key": "***", "status": "COMPLETED"}],
    }


def test_activation_keys_are_encrypted_in_the_column():
    from django.db import connection

    order = make_order()
    order.activation_key = "AAAA-BBBB"
    order.save()
    with connection.cursor() as cur:
        cur.execute("SELECT activation_key FROM orders_supplierorder WHERE id = %s", [order.pk])
        (stored,) = cur.fetchone()
    assert "AAAA-BBBB" not in stored
    assert SupplierOrder.objects.get(pk=order.pk).activation_key == "AAAA-BBBB"
