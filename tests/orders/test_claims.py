"""Moves compare the claim as well as the status: a worker holding a copy of an order from before a
later claim (SUBMITTING -> NEW -> SUBMITTING again) cannot move that claim's send, so a stale send
recovered by several workers at once is sent again once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from giftoffice.integrations.base import RejectedError
from giftoffice.integrations.gamesdrop import GamesDropClient
from giftoffice.sandbox.models import GamesDropOrder
from orders.models import OrderEvent, OrderStatus, SupplierOrder
from orders.services import actions, gamesdrop
from orders.services.gamesdrop import check_purchase, place_order
from orders.services.giftly import create_gift_sale
from orders.services.polling import poll_orders
from orders.services.status import ConcurrentMove, claim_for_submission, set_status
from tests.conftest import poll_until

WORKERS = 6


def moves(order) -> list[tuple[str, str]]:
    return list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status"))


def stale_submission(offer) -> SupplierOrder:
    """A GamesDrop order whose worker claimed it and died before sending: GamesDrop has no such order."""
    order = place_order(check=check_purchase(offer=offer))
    assert claim_for_submission(order=order)
    SupplierOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    return SupplierOrder.objects.get(pk=order.pk)


@pytest.mark.django_db
def test_each_claim_raises_the_claim_the_order_carries(teddy):
    order = SupplierOrder.objects.get(sale=create_gift_sale(telegram_gift=teddy, recipient_id=42))
    assert order.claim == 0

    assert claim_for_submission(order=order)
    assert order.claim == 1
    set_status(order=order, to=OrderStatus.NEW, message="the request never left")
    assert claim_for_submission(order=order)

    assert (order.claim, SupplierOrder.objects.get(pk=order.pk).claim) == (2, 2)


@pytest.mark.django_db
def test_a_copy_from_before_a_later_claim_cannot_move_that_claims_send(teddy):
    order = SupplierOrder.objects.get(sale=create_gift_sale(telegram_gift=teddy, recipient_id=42))
    assert claim_for_submission(order=order)
    worker_a = SupplierOrder.objects.get(pk=order.pk)  # SUBMITTING, claim A
    set_status(order=order, to=OrderStatus.NEW, message="the request never left")
    assert claim_for_submission(order=order)  # SUBMITTING again, claim B: the status alone repeats

    with pytest.raises(ConcurrentMove):
        set_status(order=worker_a, to=OrderStatus.NEW, message="worker A's stale view")

    stored = SupplierOrder.objects.get(pk=order.pk)
    assert (stored.status, stored.claim) == (OrderStatus.SUBMITTING, 2)
    assert moves(order) == [
        ("NEW", "SUBMITTING"),
        ("SUBMITTING", "NEW"),
        ("NEW", "SUBMITTING"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_recovery_holding_a_copy_from_before_a_later_claim_sends_nothing(offers, calls):
    worker_a = stale_submission(offers(1001))
    # Another worker recovered it first: looked up (not found), back to NEW, claimed, sending now.
    current = SupplierOrder.objects.get(pk=worker_a.pk)
    set_status(order=current, to=OrderStatus.NEW, message="not found: sending again")
    assert claim_for_submission(order=current)
    calls.clear()

    order = gamesdrop.reconcile(order=worker_a, resend=True)

    assert calls[("gamesdrop", "create-order")] == 0
    assert (order.status, order.claim) == (OrderStatus.SUBMITTING, current.claim)
    assert GamesDropOrder.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_fresh_send_is_never_resent_beside_itself_by_a_recovery(offers, calls):
    order = stale_submission(offers(1001))
    SupplierOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())  # in flight, not stale
    calls.clear()

    assert gamesdrop.reconcile(order=order, resend=True).status == OrderStatus.SUBMITTING

    assert calls[("gamesdrop", "create-order")] == 0


@pytest.mark.django_db(transaction=True)
def test_several_workers_recovering_one_stale_send_make_one_create_order(
    offers, calls, monkeypatch, postgres_only
):
    stale = stale_submission(offers(1001))
    copies = [SupplierOrder.objects.get(pk=stale.pk) for _ in range(WORKERS)]  # each worker's own view
    # The lookups all find nothing; every worker but the first to hear it goes on only once the first
    # has sent again under a new claim: the interleaving that let a stale view move that send back.
    lookup = GamesDropClient.order_status
    heard: list[int] = []
    lock = threading.Lock()

    def order_status(self, **kwargs):
        try:
            return lookup(self, **kwargs)
        except RejectedError as exc:
            if exc.code == "ORDER_NOT_FOUND":
                with lock:
                    first = not heard
                    heard.append(1)
                if not first:
                    poll_until(lambda: SupplierOrder.objects.filter(pk=stale.pk, attempts__gte=2).exists())
            raise

    monkeypatch.setattr(GamesDropClient, "order_status", order_status)
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []
    calls.clear()

    def recover(copy: SupplierOrder, index: int) -> None:
        try:
            barrier.wait()
            if index % 2:
                poll_orders(orders=[copy])  # a poll pass
            else:
                actions.submit_order(order=copy)  # a redelivered submit task
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=recover, args=(copy, i)) for i, copy in enumerate(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert calls[("gamesdrop", "create-order")] == 1
    assert GamesDropOrder.objects.count() == 1
    stored = SupplierOrder.objects.get(pk=stale.pk)
    assert (stored.status, stored.attempts) == (OrderStatus.SUBMITTED, 2)
    assert calls.in_transaction == []
