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
from orders.models import PollRun, SupplierOrder
from orders.services import gamesdrop
from orders.services.gamesdrop import check_purchase, place_order
from orders.tasks import poll_open_orders

pytestmark = pytest.mark.django_db(transaction=True)


def open_orders(offer, count: int) -> list[SupplierOrder]:
    orders = []
    for _ in range(count):
        order = gamesdrop.submit(order=place_order(check=check_purchase(offer=offer), enqueue=False))
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
