"""The one report sender's row: a sender finding another draining leaves it the work, a lost wake-up
does not block for good, a failed enqueue gives the wake-up back."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from giftoffice.sandbox.models import TelegramPurchaseReport
from orders import tasks_reports
from orders.models import PurchaseReport, ReportResult, ReportSender, ReportStatus
from orders.services.sales import on_sale_completed
from tests.orders.report_factories import sale_of
from tests.orders.report_queue import queued_funcs, run_queued_tasks
from tests.orders.test_report_concurrency import run_at_once

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


def test_four_send_tasks_at_once_drain_one_at_a_time_and_report_each_sale_once(
    sandbox, postgres_only, settings
):
    settings.TELEGRAM_REPORT_BATCH_SIZE = 3
    for _ in range(40):
        completed_sale()
    OrmQ.objects.all().delete()

    errors = run_at_once(tasks_reports.drain_reports, 4)
    run_queued_tasks()  # a successor, if a sender was left work by another

    assert errors == []
    rows = Counter(PurchaseReport.objects.values_list("status", "result", "attempts"))
    assert rows == Counter({(ReportStatus.REPORTED, ReportResult.ACCEPTED, 1): 40})
    sent = Counter(TelegramPurchaseReport.objects.values_list("transaction_id", flat=True))
    assert (len(sent), set(sent.values())) == (40, {1})
    assert ReportSender.objects.values_list("queued_at", "running_until", "rerun").get() == (
        None,
        None,
        False,
    )
