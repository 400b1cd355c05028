"""Telegram purchase reports (reportGiftPurchase) through an outbox.

- `record_sale_report` runs inside the transaction that completes a sale (via
  orders.services.sales.on_sale_completed): it writes the report row, with its payload frozen at once
  when it can be built, or the reason it waits (no rate, a gift without a marketplace name) or cannot
  be reported (no buyer id).
- `send_pending_reports` (task, schedule, command) first re-evaluates waiting rows, then claims due
  rows in batches with a compare-and-set lease (committed before any network call; no row lock is held
  while Telegram is asked), sends each frozen payload once per claim and records the outcome.
- A killed sender leaves its rows SENDING until the lease expires; the next sender sends them again and
  Telegram's "already reported" answer marks them REPORTED: at most one report per transaction id.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from giftoffice.integrations.base import (
    AuthError,
    BadResponseError,
    IntegrationError,
    RejectedError,
    UnavailableError,
)
from giftoffice.integrations.telegram import GiftPurchaseReport, ReportOutcome, TelegramClient
from giftoffice.rows import insert
from giftoffice.transitions import check_transition
from orders.models import (
    REPORT_TRANSITIONS,
    OrderStatus,
    PurchaseReport,
    ReportResult,
    ReportStatus,
    Sale,
)
from orders.services.rates import NoRateError, to_minor_units

__all__ = [
    "NotReportable",
    "SendSummary",
    "WaitingForData",
    "build_report",
    "preview_pending_reports",
    "record_sale_report",
    "reevaluate_open_reports",
    "retry_report",
    "send_pending_reports",
    "wire_body",
]

logger = logging.getLogger("giftoffice.reports")

S = ReportStatus


def _check(current: str, target: str) -> None:
    check_transition(machine="PurchaseReport", table=REPORT_TRANSITIONS, current=current, target=target)


# --- building the payload -----------------------------------------------------------------------------


class WaitingForData(Exception):
    """The report cannot be built yet, for reasons that resolve by themselves or by staff data entry
    elsewhere (a rate imported, a gift's marketplace name set)."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class NotReportable(WaitingForData):
    """The sale itself lacks what Telegram requires (a buyer id, a positive amount)."""


def _orders(sale: Sale) -> list[Any]:
    # Every order of the sale with its Telegram gift, in one query: the report needs both the gifts and
    # whether every item completed (a campaign completes thousands of sales, each writes its row).
    return list(sale.orders.select_related("telegram_gift").order_by("pk"))


def build_report(
    *, sale: Sale, report_currency: str | None = None, orders: list[Any] | None = None
) -> GiftPurchaseReport:
    """The report of a completed sale of Telegram gifts, checked field by field, or the reasons why not.

    Every reason is collected (staff fix them all in one go); a missing buyer id or a non-positive
    amount makes it NotReportable, anything else WaitingForData. `orders`: the sale's orders with their
    Telegram gifts, if the caller has read them already.
    """
    currency = (report_currency or settings.TELEGRAM_REPORT_CURRENCY).upper()
    blocks: list[str] = []
    waits: list[str] = []
    if sale.completed_at is None:
        raise ValueError(f"sale {sale.transaction_id} is not completed")
    every = _orders(sale) if orders is None else orders
    orders = [o for o in every if o.telegram_gift_id is not None]
    if not orders:
        raise ValueError(f"sale {sale.transaction_id} has no Telegram gifts")
    unfinished = [o for o in every if o.status != OrderStatus.COMPLETED]
    if unfinished:
        waits.append(f"{len(unfinished)} of {len(every)} items not completed")
    names: list[str] = []
    for order in orders:
        name = order.telegram_gift.report_gift_name
        if name:
            names.append(name)
        else:
            missing = f"gift {order.telegram_gift.emoji} has no marketplace name"
            if missing not in waits:
                waits.append(missing)
    if sale.buyer_id is None:
        blocks.append("the sale has no buyer Telegram id")
    amount: int | None = None
    if sale.amount_paid is None or not sale.currency:
        blocks.append("the sale has no amount paid and currency")
    else:
        try:
            amount = to_minor_units(
                amount=Decimal(sale.amount_paid),
                currency=sale.currency,
                report_currency=currency,
                at=sale.completed_at,
            )
        except NoRateError as exc:
            waits.append(exc.reason)
        else:
            if amount <= 0:
                paid = f"{Decimal(sale.amount_paid).normalize():f}"
                unit = {"USD": "cents", "TON": "nanotons"}[currency]
                blocks.append(f"{paid} {sale.currency} converts to {amount} {unit}")
    if blocks:
        raise NotReportable(blocks + waits)
    if waits:
        raise WaitingForData(waits)
    assert amount is not None
    try:
        return GiftPurchaseReport(
            transaction_id=sale.transaction_id,
            transaction_date=int(sale.completed_at.timestamp()),
            amount=amount,
            currency=currency,
            buyer_id=sale.buyer_id,  # type: ignore[arg-type]
            gift_name=names[0] if len(names) == 1 else None,
            gift_names=tuple(names) if len(names) > 1 else None,
            sale_type=sale.sale_type,
            seller_id=sale.seller_id,
            recipient_id=sale.recipient_id,
        )
    except ValueError as exc:  # the client's own field rules, caught before anything is stored as sendable
        raise NotReportable([str(exc)]) from exc


def _evaluate(sale: Sale, orders: list[Any] | None = None) -> tuple[str, str, dict[str, Any] | None]:
    """(status, reason, payload) for a report not yet frozen."""
    try:
        report = build_report(sale=sale, orders=orders)
    except NotReportable as exc:
        return S.NOT_REPORTABLE, str(exc), None
    except WaitingForData as exc:
        return S.WAITING, str(exc), None
    return S.PENDING, "", report.to_parameters()


# --- writing the outbox row ---------------------------------------------------------------------------


def record_sale_report(
    *, sale: Sale, orders: list[Any] | None = None, first_completion: bool = False
) -> PurchaseReport | None:
    """Write the sale's report row (in the caller's transaction: the one completing the sale).

    Idempotent: a second call returns the row the first wrote. Sales without Telegram gifts are not
    reported (None). `orders`: every order of the sale with its Telegram gift, if the caller has them;
    `first_completion`: the caller has just completed the sale (completed_at was empty until this
    transaction), so no report can exist yet (one is written only here) and none is looked for.
    """
    orders = _orders(sale) if orders is None else orders
    if not any(order.telegram_gift_id is not None for order in orders):
        return None
    if not first_completion:
        existing = PurchaseReport.objects.filter(sale=sale).first()
        if existing is not None:
            return existing
    status, reason, payload = _evaluate(sale, orders)
    report = insert(
        PurchaseReport(
            sale=sale, transaction_id=sale.transaction_id, status=status, reason=reason, payload=payload
        )
    )
    if status == S.PENDING:
        _enqueue_on_commit()
    return report


def _enqueue_on_commit() -> None:
    """One send task per committed transaction, however many sales it completed (a campaign)."""
    from orders import tasks_reports

    connection = transaction.get_connection()
    # A callback registered in a savepoint that rolled back is gone from this list, so it is added again.
    if connection.in_atomic_block and any(
        entry[1] is tasks_reports.enqueue_send_reports for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(tasks_reports.enqueue_send_reports)


def reevaluate_open_reports(*, limit: int = 1000) -> Counter[str]:
    """Build the payload of waiting / not reportable rows whose cause is gone (a rate added, a name
    set, a buyer id entered); update the reason of the others. Returns the count per new status."""
    counts: Counter[str] = Counter()
    rows = (
        PurchaseReport.objects.filter(status__in=[S.WAITING, S.NOT_REPORTABLE], payload__isnull=True)
        .select_related("sale")
        .order_by("pk")[:limit]
    )
    for report in rows:
        status, reason, payload = _evaluate(report.sale)
        if (status, reason) == (report.status, report.reason):
            counts[status] += 1
            continue
        if status != report.status:
            _check(report.status, status)
        # Compare-and-set: a concurrent evaluation (or staff) may have moved it first.
        moved = PurchaseReport.objects.filter(
            pk=report.pk, status=report.status, payload__isnull=True
        ).update(status=status, reason=reason, payload=payload, updated_at=timezone.now())
        if moved:
            counts[status] += 1
    return counts


# --- sending --------------------------------------------------------------------------------------------


@dataclass
class SendSummary:
    reported: int = 0
    already_reported: int = 0
    retry_later: int = 0
    failed: int = 0
    released: int = 0
    now_pending: int = 0
    waiting: int = 0
    not_reportable: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"reports: {self.reported} reported ({self.already_reported} already on Telegram), "
            f"{self.retry_later} to retry, {self.failed} failed; {self.now_pending} became sendable, "
            f"{self.waiting} waiting, {self.not_reportable} not reportable"
        )


def _due_q(now: Any) -> Q:
    ready = Q(status=S.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=S.SENDING, lease_until__lt=now)  # its sender died after claiming
    return ready | abandoned


def _claim_batch(*, size: int) -> tuple[uuid.UUID, list[PurchaseReport]]:
    """Claim up to `size` due rows for this sender: one short transaction, committed before sending.

    On PostgreSQL SKIP LOCKED lets concurrent senders take different rows; on any database the UPDATE
    re-checks the due condition, so a row another sender claimed first is not claimed twice.
    """
    token = uuid.uuid4()
    now = timezone.now()
    lease = now + timedelta(seconds=settings.TELEGRAM_REPORT_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            PurchaseReport.objects.filter(_due_q(now))
            .order_by("pk")  # oldest first
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return token, []
        PurchaseReport.objects.filter(_due_q(now), pk__in=ids).update(
            status=S.SENDING,
            claim=token,
            lease_until=lease,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            updated_at=now,
        )
        PurchaseReport.objects.filter(claim=token, first_attempt_at__isnull=True).update(first_attempt_at=now)
    return token, list(PurchaseReport.objects.filter(claim=token, status=S.SENDING).order_by("pk"))


def _backoff(attempts: int) -> timedelta:
    base = settings.TELEGRAM_REPORT_BACKOFF_SECONDS
    seconds = min(settings.TELEGRAM_REPORT_MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds)


class _Batch:
    """The outcomes of one claimed batch, written back with compare-and-set on the claim."""

    def __init__(self, token: uuid.UUID, summary: SendSummary) -> None:
        self.token = token
        self.summary = summary
        self.reported: dict[str, list[int]] = {ReportResult.ACCEPTED: [], ReportResult.ALREADY_REPORTED: []}
        self.others: list[tuple[int, dict[str, Any]]] = []

    def mine(self, ids: Iterable[int]) -> Any:
        return PurchaseReport.objects.filter(pk__in=list(ids), claim=self.token, status=S.SENDING)

    def done(self, report: PurchaseReport, outcome: ReportOutcome) -> None:
        result = ReportResult.ACCEPTED if outcome == ReportOutcome.REPORTED else ReportResult.ALREADY_REPORTED
        self.reported[result].append(report.pk)
        self.summary.reported += 1
        self.summary.already_reported += result == ReportResult.ALREADY_REPORTED

    def retry(self, report: PurchaseReport, error: str, *, after: timedelta) -> None:
        self.others.append(
            (report.pk, {"status": S.PENDING, "last_error": error, "next_attempt_at": timezone.now() + after})
        )
        self.summary.retry_later += 1

    def fail(self, report: PurchaseReport, error: str) -> None:
        self.others.append((report.pk, {"status": S.FAILED, "last_error": error, "next_attempt_at": None}))
        self.summary.failed += 1

    def release(self, reports: list[PurchaseReport], *, until: Any = None) -> None:
        """Unsent rows go back, and the attempt they never had is not counted."""
        if reports:
            self.mine(r.pk for r in reports).update(
                status=S.PENDING,
                attempts=F("attempts") - 1,
                next_attempt_at=until,
                claim=None,
                lease_until=None,
                updated_at=timezone.now(),
            )
            self.summary.released += len(reports)

    def flush(self) -> None:
        now = timezone.now()
        for result, ids in self.reported.items():
            if ids:
                _check(S.SENDING, S.REPORTED)
                self.mine(ids).update(
                    status=S.REPORTED, result=result, reported_at=now, last_error="", next_attempt_at=None,
                    claim=None, lease_until=None, updated_at=now,
                )  # fmt: skip
            ids.clear()
        for pk, fields in self.others:
            _check(S.SENDING, fields["status"])
            self.mine([pk]).update(**fields, claim=None, lease_until=None, updated_at=now)
        self.others.clear()


def _send_one(client: TelegramClient, report: PurchaseReport, batch: _Batch) -> float | None:
    """Send one claimed row. Returns a flood-wait in seconds when Telegram asked us to slow down."""
    try:
        outcome = client.report_gift_purchase(
            GiftPurchaseReport.from_parameters(report.payload or {}),
            # Our transaction ids are unique, so "already reported" can only be an earlier send of ours
            # (a lost answer, a killed worker) or this row's report made another way: done either way.
            duplicate_ok=True,
        )
    except UnavailableError as exc:  # 429, 5xx, timeouts, connection errors: the report may go later
        if exc.status == 429:
            wait = exc.retry_after if exc.retry_after is not None else _backoff(1).total_seconds()
            batch.retry(report, str(exc), after=timedelta(seconds=wait))
            return wait
        batch.retry(report, str(exc), after=_backoff(report.attempts))
    except (AuthError, RejectedError) as exc:  # Telegram refused this report: staff must look
        batch.fail(report, exc.message)
    except (BadResponseError, IntegrationError) as exc:
        batch.retry(report, str(exc), after=_backoff(report.attempts))
    except ValueError as exc:  # the frozen payload breaks a field rule: never send it
        batch.fail(report, f"invalid payload: {exc}")
    else:
        batch.done(report, outcome)
    return None


def send_pending_reports(
    *, client: TelegramClient | None = None, max_batches: int | None = None
) -> SendSummary:
    """Re-evaluate waiting rows, then send every due report once. Safe to run twice, concurrently."""
    summary = SendSummary()
    counts = reevaluate_open_reports()
    summary.now_pending = counts[S.PENDING]
    summary.waiting, summary.not_reportable = counts[S.WAITING], counts[S.NOT_REPORTABLE]
    # One call per attempt: retries are the outbox's (persisted next_attempt_at), not sleeps in a worker.
    client = client or TelegramClient(max_retries=0)
    # A send must finish inside the lease, or another sender could claim the row meanwhile.
    per_call = timedelta(seconds=client.timeouts.connect + client.timeouts.read + 5)
    batches = 0
    while max_batches is None or batches < max_batches:
        token, claimed = _claim_batch(size=settings.TELEGRAM_REPORT_BATCH_SIZE)
        if not claimed:
            break
        batches += 1
        batch = _Batch(token, summary)
        flood_wait: float | None = None
        out_of_lease = False
        try:
            for index, report in enumerate(claimed):
                if report.lease_until - timezone.now() < per_call:
                    batch.release(claimed[index:])
                    out_of_lease = index == 0
                    break
                flood_wait = _send_one(client, report, batch)
                if flood_wait is not None:
                    # Telegram's flood control is per bot: the rest of the batch waits as well.
                    batch.release(claimed[index + 1 :], until=timezone.now() + timedelta(seconds=flood_wait))
                    break
        finally:
            batch.flush()
        if flood_wait is not None:
            break
        if out_of_lease:  # a lease too short for even one call: claiming again would spin
            logger.error(
                "TELEGRAM_REPORT_LEASE_SECONDS is shorter than one call (%s); nothing sent", per_call
            )
            break
    logger.info("%s", summary.summary())
    return summary


# --- staff and commands ---------------------------------------------------------------------------------


def wire_body(payload: dict[str, Any]) -> dict[str, Any]:
    """The sendCustomRequest body of a stored payload, fields in the spec's order, exactly as sent.

    PostgreSQL's jsonb keeps keys in its own order, so the order is restored the way the sender does
    (through GiftPurchaseReport); a payload that no longer passes its checks is shown as stored.
    """
    try:
        parameters = GiftPurchaseReport.from_parameters(payload).to_parameters()
    except ValueError:
        parameters = payload
    return {"method": "reportGiftPurchase", "parameters": parameters}


def retry_report(*, report: PurchaseReport) -> bool:
    """FAILED -> PENDING (staff fixed the cause): the same frozen payload goes out on the next send."""
    _check(report.status, S.PENDING)
    moved = PurchaseReport.objects.filter(pk=report.pk, status=S.FAILED).update(
        status=S.PENDING, next_attempt_at=None, updated_at=timezone.now()
    )
    if moved:
        _enqueue_on_commit()
    return bool(moved)


def preview_pending_reports() -> list[dict[str, Any]]:
    """The sendCustomRequest bodies a send would post now (due rows, and waiting rows that would become
    sendable), changing nothing."""
    now = timezone.now()
    bodies = [
        wire_body(payload)
        for payload in PurchaseReport.objects.filter(_due_q(now))
        .order_by("pk")
        .values_list("payload", flat=True)
    ]
    for report in PurchaseReport.objects.filter(
        status__in=[S.WAITING, S.NOT_REPORTABLE], payload__isnull=True
    ).select_related("sale"):
        status, _reason, payload = _evaluate(report.sale)
        if status == S.PENDING:
            bodies.append(wire_body(payload))
    return bodies
