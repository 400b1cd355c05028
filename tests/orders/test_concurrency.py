"""Two clicks, two staff members or two workers on the same order make one supplier call (PostgreSQL:
SQLite serialises writers, so only here do the threads really race)."""

import threading

import pytest
from django.db import connection

from giftoffice.sandbox.models import GamesDropOrder, GiftlySentGift
from orders.models import OrderStatus, SupplierOrder
from orders.services import actions
from orders.services.gamesdrop import check_purchase, place_order
from orders.services.giftly import create_gift_sale

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 6


def race(order_pk: int) -> list[str]:
    barrier = threading.Barrier(WORKERS)
    seen: list[str] = []
    errors: list[BaseException] = []

    def trigger():
        try:
            barrier.wait()
            seen.append(actions.submit_order(order=SupplierOrder.objects.get(pk=order_pk)).status)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=trigger) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return seen


def test_concurrent_triggers_of_one_gamesdrop_order_make_one_create_order_call(offers, calls, postgres_only):
    order = place_order(check=check_purchase(offer=offers(999)), enqueue=False)

    race(order.pk)

    assert calls[("gamesdrop", "create-order")] == 1
    assert GamesDropOrder.objects.count() == 1
    assert SupplierOrder.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    assert calls.in_transaction == []


def test_concurrent_triggers_of_one_giftly_send_make_one_buygift_call(sandbox, teddy, calls, postgres_only):
    sale = create_gift_sale(telegram_gift=teddy, recipient_id=987654321)
    order = SupplierOrder.objects.get(sale=sale)

    race(order.pk)

    assert calls[("giftly", "buyGift")] == 1
    assert GiftlySentGift.objects.count() == 1
    assert SupplierOrder.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
