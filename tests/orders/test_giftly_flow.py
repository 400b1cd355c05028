"""Giftly sends over real HTTP against the sandbox: only 201 is success, anything ambiguous is
OUTCOME_UNKNOWN and never resent, 4xx is CANCELED with Giftly's message."""

from datetime import timedelta
from decimal import Decimal

import pytest
import responses
from django.utils import timezone

from giftoffice.integrations.giftly import GiftlyClient
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import GiftlyAccount, GiftlySentGift
from orders.models import OrderEvent, OrderStatus, SupplierOrder
from orders.services.giftly import create_gift_sale, send_gift
from orders.services.polling import poll_orders
from orders.tasks import submit_order

pytestmark = pytest.mark.django_db(transaction=True)


def sale_for(gift, recipient=987654321, **kw):
    return create_gift_sale(telegram_gift=gift, recipient_id=recipient, **kw)


def test_201_completes_the_order_and_the_sale_saying_giftly_queued_the_delivery(sandbox, teddy, calls):
    sale = sale_for(teddy, text="Congrats")

    order = send_gift(sale=sale).order

    assert order.status == OrderStatus.COMPLETED
    assert order.supplier_message.startswith("Giftly accepted the gift (HTTP 201) and queued its delivery")
    sent = GiftlySentGift.objects.get()
    assert (sent.recipient, sent.gift_id, sent.text) == ("987654321", teddy.gift_id, "Congrats")
    assert order.supplier_order_id == str(sent.pk)
    sale.refresh_from_db()
    assert sale.completed_at is not None
    assert calls.in_transaction == []


def test_commit_then_drop_is_outcome_unknown_one_buygift_call_and_never_resent(sandbox, teddy, calls):
    faults.arm(provider="giftly", kind="commit_then_drop", path="buyGift")
    sale = sale_for(teddy)

    order = send_gift(sale=sale).order

    assert order.status == OrderStatus.OUTCOME_UNKNOWN
    assert "not sent again by itself" in order.supplier_message
    assert GiftlySentGift.objects.count() == 1
    # Nothing sends it again: not another call, not the poller, not a redelivered task.
    assert send_gift(sale=sale).order.status == OrderStatus.OUTCOME_UNKNOWN
    poll_orders(now=timezone.now() + timedelta(days=1))
    submit_order(order.pk)
    assert calls[("giftly", "buyGift")] == 1
    assert GiftlySentGift.objects.count() == 1
    assert SupplierOrder.objects.get(pk=order.pk).status == OrderStatus.OUTCOME_UNKNOWN


@pytest.mark.parametrize("kind", ["commit_then_500", "commit_then_hang", "http_500", "drop"])
def test_every_ambiguous_answer_is_outcome_unknown(sandbox, teddy, hang_timeouts, kind):
    faults.arm(provider="giftly", kind=kind, path="buyGift", delay_seconds=3)

    assert send_gift(sale=sale_for(teddy)).order.status == OrderStatus.OUTCOME_UNKNOWN


def test_recipient_who_never_wrote_to_the_bot_is_canceled_with_giftlys_message(sandbox, teddy):
    order = send_gift(sale=sale_for(teddy, recipient=1000404)).order

    assert order.status == OrderStatus.CANCELED
    assert order.supplier_message == (
        "Giftly refused: Recipient has not started the bot: the user must write to the bot first"
    )
    assert GiftlySentGift.objects.count() == 0


def test_a_refused_token_cancels_and_says_so(sandbox, teddy, settings):
    client = GiftlyClient(token="not-ours")

    result = send_gift(sale=sale_for(teddy), client=client)

    assert result.order.status == OrderStatus.CANCELED
    assert result.auth_failed is True
    assert "not-ours" not in result.order.supplier_message


@responses.activate
def test_a_2xx_other_than_201_is_outcome_unknown(teddy, settings):
    settings.GIFTLY_BASE_URL = "https://giftly.example"
    responses.post("https://giftly.example/api/v1/giftly/buyGift", status=200, json={"success": True})

    order = send_gift(sale=sale_for(teddy)).order

    assert order.status == OrderStatus.OUTCOME_UNKNOWN
    assert "HTTP 200" in order.supplier_message


@responses.activate
def test_connection_refused_goes_back_to_new_and_is_sent_again(teddy, settings):
    from requests.exceptions import ConnectionError as RequestsConnectionError

    settings.GIFTLY_BASE_URL = "https://giftly.example"
    settings.INTEGRATION_BACKOFF_SECONDS = 0
    url = "https://giftly.example/api/v1/giftly/buyGift"
    responses.post(url, body=RequestsConnectionError("NewConnectionError: refused"))
    responses.post(url, status=201, json={"success": True, "message": "Gift queued for delivery", "id": 5})

    order = send_gift(sale=sale_for(teddy)).order

    assert order.status == OrderStatus.COMPLETED
    assert list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status")) == [
        ("NEW", "SUBMITTING"),
        ("SUBMITTING", "NEW"),
        ("NEW", "SUBMITTING"),
        ("SUBMITTING", "COMPLETED"),
    ]
    assert order.attempts == 2


def test_a_send_whose_worker_died_becomes_outcome_unknown_when_found(sandbox, teddy, calls):
    from orders.services.status import claim_for_submission

    order = SupplierOrder.objects.get(sale=sale_for(teddy))
    assert claim_for_submission(order=order)
    SupplierOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    assert submit_order(order.pk).endswith("OUTCOME_UNKNOWN")
    assert calls[("giftly", "buyGift")] == 0


# --- turned away (429, unreachable) and an empty balance: nothing sent, tried again or paused ----------


def events(order) -> list[tuple[str, str]]:
    return list(OrderEvent.objects.filter(order=order).order_by("id").values_list("from_status", "to_status"))


def test_a_429_is_sent_again_after_giftlys_retry_after(sandbox, teddy, calls):
    faults.arm(provider="giftly", kind="http_429", path="buyGift", count=2, retry_after=2)
    waits: list[float] = []

    result = send_gift(sale=sale_for(teddy), sleep=waits.append)

    assert result.order.status == OrderStatus.COMPLETED
    assert result.pause_reason == ""
    assert waits == [2.0, 2.0]
    assert calls[("giftly", "buyGift")] == 3
    assert GiftlySentGift.objects.count() == 1


def test_429_on_every_try_leaves_the_order_new_with_a_reason_to_pause(sandbox, teddy, calls):
    faults.arm(provider="giftly", kind="http_429", path="buyGift", count=3, retry_after=1)
    waits: list[float] = []

    result = send_gift(sale=sale_for(teddy), sleep=waits.append)

    assert result.order.status == OrderStatus.NEW
    assert result.pause_reason == (
        "Giftly turned the send away 3 times (giftly: Too Many Requests (sandbox fault) (HTTP 429)); "
        "nothing was sent. Resume the campaign once Giftly accepts sends again."
    )
    assert waits == [1.0, 1.0]
    assert calls[("giftly", "buyGift")] == 3
    assert GiftlySentGift.objects.count() == 0
    assert events(result.order) == [("NEW", "SUBMITTING"), ("SUBMITTING", "NEW")] * 3


def test_a_retry_after_longer_than_the_limit_is_not_waited_out_but_paused_for(
    sandbox, teddy, calls, settings
):
    settings.GIFTLY_RETRY_AFTER_MAX_SECONDS = 5
    faults.arm(provider="giftly", kind="http_429", path="buyGift", count=1, retry_after=60)
    waits: list[float] = []

    result = send_gift(sale=sale_for(teddy), sleep=waits.append)

    assert result.order.status == OrderStatus.NEW
    assert result.pause_reason.startswith(
        "Giftly asked us to wait 60 s before sending again (giftly: Too Many Requests (sandbox fault) "
        "(HTTP 429)), longer than GIFTLY_RETRY_AFTER_MAX_SECONDS (5 s); nothing was sent."
    )
    assert waits == []
    assert calls[("giftly", "buyGift")] == 1


@responses.activate
def test_giftly_unreachable_on_every_try_backs_off_then_leaves_the_order_new_with_a_reason(teddy, settings):
    from requests.exceptions import ConnectionError as RequestsConnectionError

    settings.GIFTLY_BASE_URL = "https://giftly.example"
    settings.INTEGRATION_BACKOFF_SECONDS = 0.5
    responses.post(
        "https://giftly.example/api/v1/giftly/buyGift", body=RequestsConnectionError("NewConnectionError")
    )
    waits: list[float] = []

    result = send_gift(sale=sale_for(teddy), sleep=waits.append)

    assert result.order.status == OrderStatus.NEW
    assert result.pause_reason.startswith("Giftly could not be reached 3 times (giftly: connection failed")
    assert waits == [0.5, 1.0]
    assert len(responses.calls) == 3


def test_an_empty_balance_leaves_the_order_new_with_a_reason_and_a_top_up_lets_it_go(sandbox, teddy, calls):
    GiftlyAccount.objects.create(pk=1, balance_rub=Decimal(10))  # the 🧸 costs 15
    sale = sale_for(teddy)

    result = send_gift(sale=sale)

    assert result.order.status == OrderStatus.NEW
    assert result.order.supplier_message == (
        "not sent: Giftly refused for lack of balance (Insufficient balance); may be sent after a top-up"
    )
    assert result.pause_reason == (
        "the Giftly balance is too low (Insufficient balance); nothing was sent. "
        "Top up the Giftly account, then resume the campaign."
    )
    assert calls[("giftly", "buyGift")] == 1  # not tried again: only a top-up helps
    assert events(result.order) == [("NEW", "SUBMITTING"), ("SUBMITTING", "NEW")]

    GiftlyAccount.objects.filter(pk=1).update(balance_rub=Decimal(100))
    again = send_gift(sale=sale)

    assert (again.order.status, again.pause_reason) == (OrderStatus.COMPLETED, "")
    assert GiftlySentGift.objects.get().recipient == "987654321"
