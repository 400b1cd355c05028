"""The one report sender's row: a sender finding another draining leaves it the work, a lost wake-up
does not block for good, a failed enqueue gives the wake-up back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from orders import tasks_reports
from orders.models import PurchaseReport, ReportSender, ReportStatus
from orders.services.sales import on_sale_completed
from tests.orders.report_factories import sale_of
from tests.orders.report_queue import queued_funcs

pytestmark = pytest.mark.django_db(transaction=True)

SENDER = "orders.tasks_reports.drain_reports"


def completed_sale() -> PurchaseReport:
    sale = sale_of("plushpepe-1")
    with transaction.atomic():
        on_sale_completed(sale=sale)
    return PurchaseReport.objects.get(sale=sale)


def test_a_sender_finding_another_draining_leaves_it_the_work_and_that_one_runs_again(sandbox):
    completed_sale()
    OrmQ.objects.all().delete()
    ReportSender.objects.update(running_until=timezone.now() + timedelta(minutes=5))  # another is draining

    assert tasks_reports.drain_reports() == "reports: another sender is draining the outbox"
    assert PurchaseReport.objects.get().status == ReportStatus.PENDING
    assert ReportSender.objects.get().rerun is True

    ReportSender.objects.update(running_until=timezone.now() - timedelta(seconds=1))  # its lease ran out
    tasks_reports.send_reports()
    assert PurchaseReport.objects.get().status == ReportStatus.REPORTED


def test_a_wake_up_whose_task_was_lost_stops_blocking_after_the_redelivery_time():
    completed_sale()
    lost = timezone.now() - timedelta(seconds=django_settings.Q_CLUSTER["retry"] + 1)
    OrmQ.objects.all().delete()  # its task was lost with the process that was queueing it
    ReportSender.objects.update(queued_at=lost)

    tasks_reports.enqueue_send_reports()

    assert queued_funcs() == [SENDER]


def test_a_failed_enqueue_gives_the_wake_up_back(monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr("orders.tasks_reports.async_task", broker_down)
    with pytest.raises(ConnectionError):
        tasks_reports.enqueue_send_reports()

    assert ReportSender.objects.get().queued_at is None
    monkeypatch.undo()
    tasks_reports.enqueue_send_reports()
    assert queued_funcs() == [SENDER]
