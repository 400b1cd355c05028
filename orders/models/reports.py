"""The outbox of Telegram purchase reports (reportGiftPurchase): one row per completed sale of
Telegram gifts, written in the transaction that completes the sale, sent later by a task.

Status moves are in REPORT_TRANSITIONS; the services in orders/services/reports.py make them with
compare-and-set updates, so two senders never both send a row they both think they hold.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models.orders import TRANSACTION_ID_MAX, Sale

__all__ = ["REPORT_TRANSITIONS", "PurchaseReport", "ReportResult", "ReportSender", "ReportStatus"]


class ReportStatus(models.TextChoices):
    WAITING = "WAITING", _("waiting")
    NOT_REPORTABLE = "NOT_REPORTABLE", _("not reportable")
    PENDING = "PENDING", _("pending")
    SENDING = "SENDING", _("sending")
    REPORTED = "REPORTED", _("reported")
    FAILED = "FAILED", _("failed")


R = ReportStatus
REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    # The payload is built (and frozen) on the way to PENDING; until then the row says why it waits.
    R.WAITING: frozenset({R.PENDING, R.NOT_REPORTABLE}),
    # Final: the sale itself lacks what Telegram requires. Never re-read, so thousands of these cannot
    # crowd out the rows that can still go out.
    R.NOT_REPORTABLE: frozenset(),
    # PENDING -> SENDING is the claim (a lease): only the claimer sends.
    R.PENDING: frozenset({R.SENDING}),
    # SENDING -> PENDING: a retryable failure, or the claim released unsent. SENDING -> SENDING: a lease
    # that expired (its sender died) is claimed again.
    R.SENDING: frozenset({R.REPORTED, R.PENDING, R.FAILED, R.SENDING}),
    R.FAILED: frozenset({R.PENDING}),  # staff "retry", after fixing the cause
    R.REPORTED: frozenset(),
}
del R

OPEN_REPORT_STATUSES = frozenset({ReportStatus.WAITING})


class ReportResult(models.TextChoices):
    ACCEPTED = "accepted", _("accepted by Telegram")
    ALREADY_REPORTED = "already_reported", _("already reported (duplicate answer)")


class PurchaseReport(models.Model):
    sale = models.OneToOneField(
        Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="telegram_report"
    )
    # The sale's, copied: one report per transaction id ever (Telegram counts each id once).
    transaction_id = models.CharField(_("transaction id"), max_length=TRANSACTION_ID_MAX, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.WAITING
    )
    reason = models.TextField(_("why it waits"), blank=True)
    # The exact `parameters` sent to reportGiftPurchase; set once, never changed after.
    payload = models.JSONField(_("payload"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claim = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    result = models.CharField(_("result"), max_length=20, choices=ReportResult.choices, blank=True)
    first_attempt_at = models.DateTimeField(_("first attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Telegram purchase report")
        verbose_name_plural = _("Telegram purchase reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="purchase_report_due"),
            # The walk of waiting rows pages by id among them only, however many other rows there are.
            models.Index(fields=["id"], condition=Q(status="WAITING"), name="purchase_report_waiting"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["WAITING", "NOT_REPORTABLE"]) | Q(payload__isnull=False),
                name="purchase_report_payload_when_sendable",
            ),
            models.CheckConstraint(
                condition=~Q(status="REPORTED") | Q(reported_at__isnull=False),
                name="purchase_report_reported_at",
            ),
        ]
        permissions = [("retry_purchasereport", _("Can retry a failed Telegram purchase report"))]

    def __str__(self) -> str:
        return self.transaction_id


SENDER_ROW = 1


class ReportSender(models.Model):
    """The one sender of Telegram reports, shared by every process: a single row (id 1).

    `queued_at`: a send task waits in django-q2's queue since then (set by compare-and-set, so however
    many sales complete, in however many processes, at most one task waits). `running_claim` /
    `running_until`: the send task draining the outbox and its lease (a dead worker's lease runs out),
    so one drains at a time. `rerun`: another task found it draining and left it the work. `walk_after`:
    a walk of the waiting reports is due or under way and goes on after this id (0: from the start).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=SENDER_ROW, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True)
    running_claim = models.UUIDField(null=True, blank=True)
    running_until = models.DateTimeField(null=True, blank=True)
    rerun = models.BooleanField(default=False)
    walk_after = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=SENDER_ROW), name="report_sender_single_row")]

    def __str__(self) -> str:
        return "Telegram report sender"
