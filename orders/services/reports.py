"""Telegram purchase reports (reportGiftPurchase) through an outbox.

- `report_outbox.record_sale_report` runs inside the transaction that completes a sale (via
  orders.services.sales.on_sale_completed): it writes the report row, with its payload frozen at once
  when it can be built, or the reason it waits (no rate, a gift without a marketplace name) or cannot
  be reported (no buyer id: final).
- One sender for every process (`ReportSender`, a single row): a completion wakes it on commit, and a
  compare-and-set on the row keeps at most one send task waiting in the queue however many sales
  complete. `run_sender` (the task) drains the outbox for a bounded time under a lease (one drains at
  a time) and says when its successor must be queued.
- Draining claims due rows in batches with a compare-and-set lease (committed before any network call;
  no row lock is held while Telegram is asked), sends each frozen payload once per claim and records
  the outcome; between batches it walks the waiting rows (keyset pages, oldest first) when a walk was
  asked for: a rate imported, a gift's marketplace name set, the schedule.
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
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from giftoffice.integrations.base import (
    AuthError,
    BadResponseError,
    IntegrationError,
    RejectedError,
    UnavailableError,
)
from giftoffice.integrations.telegram import GiftPurchaseReport, ReportOutcome, TelegramClient
from giftoffice.transitions import check_transition
from orders.models import (
    REPORT_TRANSITIONS,
    OrderStatus,
    PurchaseReport,
    ReportResult,
    ReportSender,
    ReportStatus,
    Sale,
    SupplierOrder,
)
from orders.models.reports import SENDER_ROW
from orders.services.rates import NoRateError, to_minor_units

__all__ = [
    "NotReportable",
    "SendSummary",
    "WaitingForData",
    "build_report",
    "claim_sender_wakeup",
    "drain_outbox",
    "evaluate",
    "preview_pending_reports",
    "reevaluate_open_reports",
    "release_sender_wakeup",
    "request_walk",
    "run_sender",
    "sale_orders",
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


def sale_orders(sale: Sale) -> list[Any]:
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
    every = sale_orders(sale) if orders is None else orders
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


def evaluate(sale: Sale, orders: list[Any] | None = None) -> tuple[str, str, dict[str, Any] | None]:
    """(status, reason, payload) for a report not yet frozen."""
    try:
        report = build_report(sale=sale, orders=orders)
    except NotReportable as exc:
        return S.NOT_REPORTABLE, str(exc), None
    except WaitingForData as exc:
        return S.WAITING, str(exc), None
    return S.PENDING, "", report.to_parameters()


def _waiting_page(*, after: int, size: int) -> list[PurchaseReport]:
    """The next `size` waiting rows after id `after`, oldest first, with their sale's orders and gifts."""
    orders = SupplierOrder.objects.select_related("telegram_gift").order_by("pk")
    return list(
        PurchaseReport.objects.filter(status=S.WAITING, pk__gt=after)
        .select_related("sale")
        .prefetch_related(Prefetch("sale__orders", queryset=orders, to_attr="report_orders"))
        .order_by("pk")[:size]
    )


def _reevaluate(reports: list[PurchaseReport], counts: Counter[str]) -> None:
    for report in reports:
        status, reason, payload = evaluate(report.sale, report.sale.report_orders)
        if (status, reason) == (report.status, report.reason):
            counts[status] += 1
            continue
        if status != report.status:
            _check(report.status, status)
        # Compare-and-set: a concurrent evaluation may have moved it first.
        moved = PurchaseReport.objects.filter(
            pk=report.pk, status=report.status, payload__isnull=True
        ).update(status=status, reason=reason, payload=payload, updated_at=timezone.now())
        if moved:
            counts[status] += 1


def reevaluate_open_reports(*, page_size: int | None = None) -> Counter[str]:
    """Walk every WAITING row now, in keyset pages oldest first: build the payload of those whose cause
    is gone (a rate added, a name set), update the reason of the others. NOT_REPORTABLE rows are final
    and never read. Returns the count per new status."""
    size = page_size or settings.TELEGRAM_REPORT_WALK_PAGE_SIZE
    counts: Counter[str] = Counter()
    after = 0
    while page := _waiting_page(after=after, size=size):
        _reevaluate(page, counts)
        after = page[-1].pk
    return counts


# --- the one sender: wake-up, lease, walk ---------------------------------------------------------------


def _sender() -> QuerySet[ReportSender]:
    return ReportSender.objects.filter(pk=SENDER_ROW)


def _ensure_sender_row() -> None:
    # Created on first use (the row is state, not configuration); a concurrent creation is no error.
    ReportSender.objects.bulk_create([ReportSender(pk=SENDER_ROW)], ignore_conflicts=True)


def claim_sender_wakeup() -> bool:
    """True when the caller must queue the send task: none waits in the queue (in any process).

    Called on commit, outside the completing transaction: the compare-and-set commits at once and never
    holds the row while a sale's transaction goes on. A wake-up whose task was lost (its process died
    before django-q2 stored it) stops blocking after Q_RETRY; meanwhile the schedule's pass sends.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.Q_CLUSTER["retry"])
    queued = list(_sender().values_list("queued_at", flat=True))
    if not queued:
        _ensure_sender_row()
    elif queued[0] is not None and queued[0] >= stale:
        return False  # the common case while a campaign completes sales: one read, no write
    free = Q(queued_at__isnull=True) | Q(queued_at__lt=stale)
    return bool(_sender().filter(free).update(queued_at=now))


def release_sender_wakeup() -> None:
    """Queueing the task failed after the wake-up was claimed: the next completion tries again."""
    _sender().update(queued_at=None)


def request_walk() -> None:
    """Ask the sender to re-evaluate every waiting row, from the oldest (a row already passed by a walk
    under way may be fixed by what just changed)."""
    _ensure_sender_row()
    _sender().update(walk_after=0)


def _walk_step(counts: Counter[str]) -> bool:
    """Re-evaluate one page of the asked-for walk. False when no walk is due (or it just ended empty).

    The page is taken (the cursor moved past it) before it is evaluated: concurrent senders walk
    different pages, and a walk restarted meanwhile is not overwritten.
    """
    size = settings.TELEGRAM_REPORT_WALK_PAGE_SIZE
    while True:
        after = _sender().values_list("walk_after", flat=True).first()
        if after is None:
            return False
        page = _waiting_page(after=after, size=size)
        following = page[-1].pk if len(page) == size else None
        if _sender().filter(walk_after=after).update(walk_after=following):
            break
    _reevaluate(page, counts)
    return bool(page)


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
    # Stopped at its deadline with work left: the next send task must be queued.
    more: bool = False

    def add_evaluations(self, counts: Counter[str]) -> None:
        self.now_pending += counts[S.PENDING]
        self.waiting += counts[S.WAITING]
        self.not_reportable += counts[S.NOT_REPORTABLE]

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


def _per_call(client: TelegramClient) -> timedelta:
    return timedelta(seconds=client.timeouts.connect + client.timeouts.read + 5)


_EMPTY, _SENT, _STOP = "empty", "sent", "stop"


def _send_round(
    *, client: TelegramClient, summary: SendSummary, per_call: timedelta, deadline: Any = None
) -> str:
    """Claim one batch of due rows and send it: _EMPTY (nothing due), _SENT, or _STOP (Telegram's flood
    control, a lease too short for one call, or the deadline: claim no more now)."""
    token, claimed = _claim_batch(size=settings.TELEGRAM_REPORT_BATCH_SIZE)
    if not claimed:
        return _EMPTY
    batch = _Batch(token, summary)
    result = _SENT
    try:
        for index, report in enumerate(claimed):
            now = timezone.now()
            # A send must finish inside the lease, or another sender could claim the row meanwhile.
            if report.lease_until - now < per_call:
                batch.release(claimed[index:])
                if index == 0:  # a lease too short for even one call: claiming again would spin
                    logger.error(
                        "TELEGRAM_REPORT_LEASE_SECONDS is shorter than one call (%s); nothing sent", per_call
                    )
                    result = _STOP
                break
            if deadline is not None and now >= deadline:
                batch.release(claimed[index:])
                summary.more = True
                result = _STOP
                break
            flood_wait = _send_one(client, report, batch)
            if flood_wait is not None:
                # Telegram's flood control is per bot: the rest of the batch waits as well.
                batch.release(claimed[index + 1 :], until=timezone.now() + timedelta(seconds=flood_wait))
                result = _STOP
                break
    finally:
        batch.flush()
    return result


def send_pending_reports(
    *, client: TelegramClient | None = None, max_batches: int | None = None
) -> SendSummary:
    """Re-evaluate every waiting row, then send every due report once (the command's run). Safe to run
    twice, concurrently."""
    summary = SendSummary()
    summary.add_evaluations(reevaluate_open_reports())
    # One call per attempt: retries are the outbox's (persisted next_attempt_at), not sleeps in a worker.
    client = client or TelegramClient(max_retries=0)
    per_call = _per_call(client)
    batches = 0
    while max_batches is None or batches < max_batches:
        result = _send_round(client=client, summary=summary, per_call=per_call)
        if result == _EMPTY:
            break
        batches += 1
        if result == _STOP:
            break
    logger.info("%s", summary.summary())
    return summary


def drain_outbox(*, deadline: Any, client: TelegramClient | None = None) -> SendSummary:
    """Send due reports and walk the waiting ones (when a walk was asked for) until neither has work or
    `deadline` passes (then `more` is set). Due rows go first; a page of the walk comes between
    rounds, so reports it makes sendable go out in the same run."""
    summary = SendSummary()
    counts: Counter[str] = Counter()
    client = client or TelegramClient(max_retries=0)
    per_call = _per_call(client)
    sending = True
    while True:
        if timezone.now() >= deadline:
            summary.more = True
            break
        if sending:
            result = _send_round(client=client, summary=summary, per_call=per_call, deadline=deadline)
            if result == _SENT:
                continue
            if summary.more:  # the deadline came inside the batch
                break
            # Flood control or a misconfigured lease: the walk goes on, the sending waits for later.
            sending = result == _EMPTY
        if _walk_step(counts):
            continue
        break
    summary.add_evaluations(counts)
    return summary


def run_sender(*, scheduled: bool, client: TelegramClient | None = None) -> SendSummary | None:
    """The send task's work. None when another sender holds the lease (it goes on with this work).

    The queued task leaves the queue first (a completion from now on queues the next one), so at most
    one waits while this one runs. `scheduled`: the schedule's pass, which also starts a walk of every
    waiting row unless one is under way. Returns with `more` set when a successor must be queued.
    """
    client = client or TelegramClient(max_retries=0)
    _ensure_sender_row()
    if scheduled:
        # Not the queued task: the wake-up stays with the task that waits in the queue.
        _sender().filter(walk_after__isnull=True).update(walk_after=0)
    else:
        _sender().update(queued_at=None)
    token = uuid.uuid4()
    while True:
        now = timezone.now()
        budget = timedelta(seconds=settings.TELEGRAM_REPORT_TASK_SECONDS)
        lease = now + budget + _per_call(client) + timedelta(seconds=30)
        free = Q(running_until__isnull=True) | Q(running_until__lt=now)
        if _sender().filter(free).update(running_claim=token, running_until=lease, rerun=False):
            break
        # Taken: the running sender will look again before it stops (or, if it stopped meanwhile, the
        # update finds no lease and this one claims it on the next round).
        if _sender().filter(running_until__gte=now).update(rerun=True):
            return None
    try:
        summary = drain_outbox(deadline=now + budget, client=client)
    finally:
        _sender().filter(running_claim=token).update(running_claim=None, running_until=None)
    if _sender().filter(rerun=True).update(rerun=False):
        summary.more = True
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
    after = 0
    while page := _waiting_page(after=after, size=settings.TELEGRAM_REPORT_WALK_PAGE_SIZE):
        for report in page:
            status, _reason, payload = evaluate(report.sale, report.sale.report_orders)
            if status == S.PENDING:
                bodies.append(wire_body(payload))
        after = page[-1].pk
    return bodies
