"""Order polling on the run lifecycle: each pass is a PollRun with its progress and final statuses,
started by poll_orders or the schedule; one pass at a time."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from giftoffice.runs.models import RunStatus, RunTrigger
from orders.models import OrderEvent, OrderStatus, PollRun, SupplierOrder
from orders.services import gamesdrop
from orders.services.gamesdrop import check_purchase, place_order
from orders.services.giftly import create_gift_sale
from orders.services.poll_runs import poll_pass
from orders.services.polling import poll_orders
from orders.services.status import claim_for_submission, set_status
from orders.tasks import poll_open_orders

pytestmark = pytest.mark.django_db(transaction=True)


def open_orders(offer, count: int) -> list[SupplierOrder]:
    orders = []
    for _ in range(count):
        order = gamesdrop.submit(order=place_order(check=check_purchase(offer=offer)))
        orders.append(order)
    SupplierOrder.objects.update(next_poll_at=timezone.now() - timedelta(seconds=1))
    return orders


def test_poll_orders_records_a_poll_run_with_its_progress_and_statuses(offers):
    open_orders(offers(1001), 2)
    out = io.StringIO()

    call_command("poll_orders", stdout=out)

    run = PollRun.objects.get()
    assert out.getvalue() == "poll_orders: 2 orders looked at; now PROCESSING 2\n"
    assert (run.status, run.trigger, run.total, run.done, run.statuses) == (
        RunStatus.SUCCEEDED,
        RunTrigger.COMMAND,
        2,
        2,
        {"PROCESSING": 2},
    )


def test_the_schedule_task_is_a_poll_run_too(offers):
    open_orders(offers(1001), 1)

    assert poll_open_orders() == "poll_orders: 1 orders looked at; now PROCESSING 1"

    assert PollRun.objects.get().trigger == RunTrigger.SCHEDULE


def test_a_pass_while_another_is_alive_polls_nothing_and_the_command_fails(offers):
    order = open_orders(offers(1001), 1)[0]
    PollRun.objects.create(status=RunStatus.RUNNING, claimed_by="task 1@busy", heartbeat_at=timezone.now())
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"^poll_orders: not run: PollRun #") as refused:
        call_command("poll_orders", stdout=out)

    second = PollRun.objects.order_by("id").last()
    assert second.status == RunStatus.FAILED
    assert str(refused.value) == f"poll_orders: not run: {second.message}"
    assert out.getvalue() == ""
    assert SupplierOrder.objects.get(pk=order.pk).polls == order.polls


def test_a_poll_run_has_the_shared_run_page(django_user_model):
    run = PollRun.objects.create(status=RunStatus.SUCCEEDED, total=4, done=4, statuses={"COMPLETED": 4})
    user = django_user_model.objects.create_user("oncall", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_pollrun"))
    client = Client()
    client.force_login(user)

    page = client.get(f"/en/admin/orders/pollrun/{run.pk}/change/").content.decode()

    assert '<progress value="4" max="4"></progress> 4 / 4' in page
    assert "COMPLETED 4" in page


def test_an_order_that_raises_mid_pass_is_recorded_and_the_orders_after_it_are_polled(offers, monkeypatch):
    first, broken, last = open_orders(offers(1001), 3)
    refresh = gamesdrop.refresh

    def failing(*, order, **kwargs):
        if order.pk == broken.pk:
            raise RuntimeError("status answer unreadable")
        return refresh(order=order, **kwargs)

    monkeypatch.setattr(gamesdrop, "refresh", failing)

    run, summary = poll_pass()

    assert summary.summary() == "poll_orders: 3 orders looked at; now PROCESSING 2; 1 failed"
    assert (run.status, run.total, run.done) == (RunStatus.PARTLY_FAILED, 3, 3)
    assert run.errors == [{"order": broken.transaction_id, "error": "RuntimeError: status answer unreadable"}]
    statuses = dict(SupplierOrder.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "PROCESSING", broken.pk: "SUBMITTED", last.pk: "PROCESSING"}


def test_a_stale_giftly_send_recovered_meanwhile_is_left_as_it_is_and_the_pass_goes_on(offers, teddy):
    first, last = open_orders(offers(1001), 2)
    giftly_order = SupplierOrder.objects.get(sale=create_gift_sale(telegram_gift=teddy, recipient_id=42))
    assert claim_for_submission(order=giftly_order)
    # The pass read it SUBMITTING; a campaign's recovery marked it OUTCOME_UNKNOWN before the pass got to it.
    seen_by_the_pass = SupplierOrder.objects.get(pk=giftly_order.pk)
    set_status(order=giftly_order, to=OrderStatus.OUTCOME_UNKNOWN, message="recovered by the campaign")

    summary = poll_orders(orders=[first, seen_by_the_pass, last])

    assert (summary.looked_at, summary.failed) == (3, 0)
    assert SupplierOrder.objects.get(pk=last.pk).status == OrderStatus.PROCESSING
    assert list(OrderEvent.objects.filter(order=giftly_order).values_list("from_status", "to_status")) == [
        ("NEW", "SUBMITTING"),
        ("SUBMITTING", "OUTCOME_UNKNOWN"),
    ]
