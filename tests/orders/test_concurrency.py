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
    order = place_order(check=check_purchase(offer=offers(999)))

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


def test_two_orders_of_one_sale_completing_at_once_complete_it_and_report_it_exactly_once(
    teddy, postgres_only
):
    # The one-statement completion sees only what its transaction sees; the locking path must still
    # complete a sale whose last two orders complete in two transactions at once.
    from orders.models import PurchaseReport, Sale, Supplier
    from orders.services.status import claim_for_submission, set_status

    sales = []
    for n in range(8):
        sale = Sale.objects.create(buyer_id=1, recipient_id=100 + n)
        for _ in range(2):
            order = SupplierOrder.objects.create(sale=sale, supplier=Supplier.GIFTLY, telegram_gift=teddy)
            claim_for_submission(order=order)
        sales.append(sale)
    errors: list[BaseException] = []

    def complete(order_pk: int, barrier: threading.Barrier) -> None:
        try:
            order = SupplierOrder.objects.get(pk=order_pk)
            barrier.wait()
            set_status(order=order, to=OrderStatus.COMPLETED, message="done")
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    for sale in sales:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=complete, args=(pk, barrier))
            for pk in SupplierOrder.objects.filter(sale=sale).values_list("pk", flat=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert Sale.objects.filter(pk__in=[s.pk for s in sales], completed_at__isnull=True).count() == 0
    assert PurchaseReport.objects.filter(sale__in=sales).count() == len(sales)
