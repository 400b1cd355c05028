"""The report outbox against the Telegram simulator over real HTTP: outcomes, retries, at most once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from giftoffice.integrations.telegram import GiftPurchaseReport, TelegramClient
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import TelegramPurchaseReport
from orders import tasks_reports
from orders.models import PurchaseReport, ReportResult, ReportStatus
from orders.services import report_outbox, reports
from orders.services.sales import on_sale_completed
from tests.orders.report_factories import sale_of

pytestmark = pytest.mark.django_db(transaction=True)


def pending_report(*names: str, **sale_fields) -> PurchaseReport:
    sale = sale_of(*(names or ("plushpepe-1",)), **sale_fields)
    on_sale_completed(sale=sale)
    report = PurchaseReport.objects.get(sale=sale)
    assert report.status == ReportStatus.PENDING
    return report


def make_due(*rows: PurchaseReport) -> None:
    """Time passes: a retry delay or a lease runs out (no sleeping in tests)."""
    past = timezone.now() - timedelta(seconds=1)
    PurchaseReport.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=past, lease_until=past)


def state(report: PurchaseReport) -> tuple:
    report.refresh_from_db()
    return report.status, report.result, report.attempts


def test_a_pending_report_is_sent_once_with_its_frozen_payload(sandbox):
    report = pending_report("plushpepe-1", "durovscap-1010", recipient_id=987654321)

    summary = reports.send_pending_reports()

    assert state(report) == (ReportStatus.REPORTED, ReportResult.ACCEPTED, 1)
    assert summary.summary() == (
        "reports: 1 reported (0 already on Telegram), 0 to retry, 0 failed; 0 became sendable, "
        "0 waiting, 0 not reportable"
    )
    recorded = TelegramPurchaseReport.objects.get()
    p = report.payload
    assert (recorded.transaction_id, recorded.amount, recorded.currency, recorded.gift_names) == (
        p["transaction_id"],
        2500,
        "USD",
        ["plushpepe-1", "durovscap-1010"],
    )
    assert (recorded.buyer_id, recorded.recipient_id, recorded.seller_id) == (123456789, 987654321, None)
    assert reports.send_pending_reports().reported == 0  # safe twice: nothing left to send


def test_a_429_waits_retry_after_for_the_whole_batch_then_goes_out(sandbox):
    first, second = pending_report(), pending_report()
    faults.arm(provider="telegram", kind="http_429", retry_after=7)
    before = timezone.now()

    summary = reports.send_pending_reports()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts) == (ReportStatus.PENDING, 1)
    assert first.last_error == "telegram: Too Many Requests: retry after 7 (HTTP 429)"
    assert timedelta(seconds=6) < first.next_attempt_at - before < timedelta(seconds=9)
    # the second was not even tried: Telegram's flood control is per bot
    assert (second.status, second.attempts, second.last_error) == (ReportStatus.PENDING, 0, "")
    assert timedelta(seconds=6) < second.next_attempt_at - before < timedelta(seconds=9)
    assert (summary.retry_later, summary.released) == (1, 1)
    assert reports.send_pending_reports().reported == 0  # not due yet

    make_due(first, second)
    reports.send_pending_reports()

    assert [state(first), state(second)] == [
        (ReportStatus.REPORTED, ReportResult.ACCEPTED, 2),
        (ReportStatus.REPORTED, ReportResult.ACCEPTED, 1),
    ]
    assert TelegramPurchaseReport.objects.count() == 2


@pytest.mark.parametrize("kind", ["http_500", "http_503", "drop"])
def test_server_errors_and_dropped_connections_retry_with_backoff(sandbox, settings, kind):
    settings.TELEGRAM_REPORT_BACKOFF_SECONDS = 30
    report = pending_report()
    faults.arm(provider="telegram", kind=kind, count=2)

    reports.send_pending_reports()
    report.refresh_from_db()
    first_delay = report.next_attempt_at - report.last_attempt_at
    make_due(report)
    reports.send_pending_reports()
    report.refresh_from_db()
    second_delay = report.next_attempt_at - report.last_attempt_at

    assert (report.status, report.attempts) == (ReportStatus.PENDING, 2)
    assert timedelta(seconds=29) < first_delay < timedelta(seconds=31)
    assert timedelta(seconds=59) < second_delay < timedelta(seconds=61)  # doubled

    make_due(report)
    reports.send_pending_reports()
    assert state(report) == (ReportStatus.REPORTED, ReportResult.ACCEPTED, 3)
    assert report.last_error == ""


def test_a_timeout_retries_later(sandbox, hang_timeouts):
    report = pending_report()
    faults.arm(provider="telegram", kind="hang", delay_seconds=hang_timeouts + 1)

    reports.send_pending_reports()
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    assert report.last_error == (
        f"telegram: no answer before the read timeout (POST {sandbox}/telegram/bot***/sendCustomRequest)"
    )

    make_due(report)
    reports.send_pending_reports()
    assert state(report) == (ReportStatus.REPORTED, ReportResult.ACCEPTED, 2)


@pytest.mark.parametrize("kind", ["commit_then_500", "commit_then_drop"])
def test_a_report_recorded_before_a_failure_is_reported_once(sandbox, kind):
    report = pending_report()
    faults.arm(provider="telegram", kind=kind)

    reports.send_pending_reports()
    assert report.status != ReportStatus.REPORTED
    make_due(report)
    reports.send_pending_reports()

    assert state(report) == (ReportStatus.REPORTED, ReportResult.ALREADY_REPORTED, 2)
    assert TelegramPurchaseReport.objects.filter(transaction_id=report.transaction_id).count() == 1


def test_an_already_reported_rejection_counts_as_reported(sandbox):
    report = pending_report()
    TelegramClient().report_gift_purchase(GiftPurchaseReport.from_parameters(report.payload))

    summary = reports.send_pending_reports()

    assert state(report) == (ReportStatus.REPORTED, ReportResult.ALREADY_REPORTED, 1)
    assert (summary.reported, summary.already_reported) == (1, 1)
    assert TelegramPurchaseReport.objects.count() == 1


def test_another_refusal_fails_with_telegrams_description_and_staff_can_retry_it(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    token = settings.TELEGRAM_BOT_TOKEN
    report = pending_report()

    reports.send_pending_reports(client=TelegramClient(bot_token="999:revoked-token", max_retries=0))

    report.refresh_from_db()
    assert (report.status, report.last_error, report.next_attempt_at) == (
        ReportStatus.FAILED,
        "Unauthorized",
        None,
    )
    assert reports.send_pending_reports().reported == 0  # failed rows wait for staff

    assert report_outbox.retry_report(report=report) is True
    reports.send_pending_reports()

    assert state(report) == (ReportStatus.REPORTED, ReportResult.ACCEPTED, 2)
    assert "revoked-token" not in caplog.text
    assert token not in caplog.text


def test_a_worker_killed_after_sending_and_the_task_redelivered_leaves_one_reported_row(sandbox):
    report = pending_report()

    class KilledAfterSending(TelegramClient):
        def report_gift_purchase(self, *args, **kwargs):
            super().report_gift_purchase(*args, **kwargs)
            raise SystemExit("django-q2 killed the worker")  # what a task timeout raises

    with pytest.raises(SystemExit):
        reports.send_pending_reports(client=KilledAfterSending(max_retries=0))
    # the kill left the claim in place; a redelivery inside the lease sends nothing
    assert state(report)[0] == ReportStatus.SENDING
    assert tasks_reports.send_reports().startswith("reports: 0 reported")

    make_due(report)  # the lease runs out, as it has when django-q2 redelivers (retry > timeout)
    tasks_reports.send_reports()
    tasks_reports.send_reports()

    assert state(report) == (ReportStatus.REPORTED, ReportResult.ALREADY_REPORTED, 2)
    assert PurchaseReport.objects.count() == 1
    assert TelegramPurchaseReport.objects.filter(transaction_id=report.transaction_id).count() == 1


def test_a_claim_too_short_for_another_call_releases_the_rest_unsent(sandbox, settings):
    settings.TELEGRAM_REPORT_LEASE_SECONDS = 1  # shorter than one call's timeouts
    report = pending_report()

    summary = reports.send_pending_reports()  # returns: no endless claim-and-release

    assert state(report) == (ReportStatus.PENDING, "", 0)
    assert (summary.released, TelegramPurchaseReport.objects.count()) == (1, 0)
