"""Giftly promo campaigns on the shared run lifecycle: check, create, send, pause, resume.

`preview_campaign` checks everything staff typed and says what a send would do (count, total supplier
cost, rejected ids) without creating anything. `create_campaign` records the campaign and its first
`CampaignRun` (queued by `orders.services.queue.create_campaign`); the run's work (`CAMPAIGN.work`)
sends one sale per recipient with `orders.services.giftly.send_gift`, the single-send service, so
every exactly-once rule of a single send holds for each recipient:

- the run is sent by short tasks, one chunk each (`chunk_budget`: a number of sends, or a quarter of
  the task timeout, checked between sends): a chunk with recipients left hands the run to the next
  chunk's task (`hand_off`, queued on commit), so no task timeout ever lands inside a send;
- the first authentication error STOPS the campaign: every further send would be refused the same way;
  the recipients after it get no sale;
- the first new OUTCOME_UNKNOWN PAUSES it: the run ends, the campaign waits for staff to check that send
  (Giftly has no idempotency key) and press "Resume", which queues a new run for the rest;
- a send that comes back with a `pause_reason` (Giftly kept turning it away, or the balance is empty)
  PAUSES it before that recipient, whose order stays NEW: "Resume" sends it and the rest;
- a run skips every recipient already handled, whatever their outcome: an unknown send stays for staff
  to resolve and is never a reason to pause again;
- a run resumed after its worker died (claimed again as dead, queued again by the poll schedule's
  sweep, `orders.tasks.resume_stranded_runs`) finds each recipient's sale by position: a sale still NEW
  is sent, one left SUBMITTING may have left, so it becomes OUTCOME_UNKNOWN and the campaign pauses;
  nothing is sent twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from catalog.models import TelegramGift
from giftoffice.integrations.giftly import GiftlyClient
from giftoffice.runs.models import RunTrigger
from giftoffice.runs.services import (
    RunFailed,
    RunHandedOff,
    RunKind,
    dead_q,
    hand_off,
    live,
    save_progress,
)
from giftoffice.transitions import check_transition
from orders.models import (
    CAMPAIGN_TRANSITIONS,
    Campaign,
    CampaignRun,
    CampaignSale,
    CampaignStatus,
    OrderStatus,
    Sale,
    Supplier,
    SupplierOrder,
)
from orders.services import giftly
from orders.services.errors import Refusal
from orders.services.recipients import MAX_RECIPIENTS, parse_recipients, parse_telegram_id
from orders.services.sales import SaleInputError, parse_paid

__all__ = [
    "CAMPAIGN",
    "CampaignError",
    "CampaignPreview",
    "campaign_counts",
    "create_campaign",
    "is_resumable",
    "preview_campaign",
    "resume_campaign",
    "send_campaign",
    "send_chunk",
    "stranded_run_ids",
]

CREATE_AHEAD = 100  # sales written ahead of their sends, in one transaction (see _new_orders)
PROGRESS_EVERY_SECONDS = 0.5  # progress writes are throttled: one UPDATE per send would cost a round trip


class CampaignError(Refusal):
    """A campaign action refused (resume of a campaign that is not paused, …)."""


@dataclass
class CampaignPreview:
    """What a send would do, shown on the confirmation page before anything is created."""

    telegram_gift: TelegramGift
    recipients: list[int]
    rejected: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    buyer_id: int | None = None
    amount_paid: Decimal | None = None
    currency: str = ""

    @property
    def count(self) -> int:
        return len(self.recipients)

    @property
    def total_rub(self) -> Decimal:
        return self.telegram_gift.price_rub * self.count


def preview_campaign(
    *,
    telegram_gift: TelegramGift,
    recipients: Iterable[str],
    text: str | None = None,
    buyer_id: str | None = None,
    amount_paid: Any = None,
    currency: str | None = None,
) -> CampaignPreview:
    """Every input checked (SaleInputError on the first that is wrong); bad recipient ids are listed,
    not fatal: the confirmation page shows them and the campaign goes to the others."""
    if not telegram_gift.active:
        raise SaleInputError(_("Telegram gift %(gift)s is not on sale"), gift=telegram_gift.gift_id)
    parsed = parse_recipients(recipients, limit=MAX_RECIPIENTS)
    if not parsed.ids:
        raise SaleInputError(_("no valid recipient id: give at least one Telegram user id"))
    buyer = parse_telegram_id(buyer_id) if buyer_id not in (None, "") else None
    amount, code = parse_paid(amount=amount_paid, currency=currency)
    return CampaignPreview(
        telegram_gift=telegram_gift,
        recipients=parsed.ids,
        rejected=parsed.rejected,
        text=giftly.check_text(text),
        buyer_id=buyer,
        amount_paid=amount,
        currency=code,
    )


def create_campaign(
    *, preview: CampaignPreview, user: Any = None, trigger: str = RunTrigger.ADMIN
) -> CampaignRun:
    """The campaign and its first run, not queued: `orders.services.queue.create_campaign` queues it on
    commit; a command runs it itself."""
    with transaction.atomic():
        campaign = Campaign.objects.create(
            telegram_gift=preview.telegram_gift,
            recipients=preview.recipients,
            rejected=_english(preview.rejected),
            text=preview.text,
            buyer_id=preview.buyer_id,
            amount_paid=preview.amount_paid,
            currency=preview.currency,
            created_by=_user(user),
        )
        run = CampaignRun.objects.create(
            campaign=campaign, trigger=trigger, triggered_by=_user(user), total=len(preview.recipients)
        )
    return run


def stranded_run_ids() -> list[int]:
    """The campaign runs whose worker died (no heartbeat: killed, or its next chunk's task lost) while
    their campaign is still sending: queued again by the poll schedule's sweep
    (`orders.tasks.resume_stranded_runs`), their task claims the dead run and the send goes on where it
    stopped. A run already taken over is alive and not listed."""
    return list(
        CampaignRun.objects.filter(dead_q(), campaign__status=CampaignStatus.SENDING)
        .order_by("id")
        .values_list("pk", flat=True)
    )


def resume_campaign(*, campaign: Campaign, user: Any = None) -> CampaignRun:
    """A paused campaign sends on: a new run for the recipients not yet handled (queued on commit by
    `orders.services.queue.resume_campaign`). So does one still "sending" with no live run (its queued
    task was lost, or its worker died and was not replaced): the new run finds where the last one
    stopped."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not is_resumable(locked):
            raise CampaignError(
                _("campaign #%(id)s is %(status)s, only a paused campaign can be resumed"),
                id=locked.pk,
                status=locked.get_status_display(),
            )
        if locked.status == CampaignStatus.PAUSED:
            _move(locked, CampaignStatus.SENDING, message="")
        # A sale left NEW by a pause (Giftly turned its send away) is not handled: this run sends it.
        handled = (
            CampaignSale.objects.filter(campaign=locked).exclude(sale__orders__status=OrderStatus.NEW).count()
        )
        run = CampaignRun.objects.create(
            campaign=locked,
            trigger=RunTrigger.ADMIN,
            triggered_by=_user(user),
            total=len(locked.recipients) - handled,
        )
    campaign.refresh_from_db()
    return run


def is_resumable(campaign: Campaign) -> bool:
    if campaign.status == CampaignStatus.PAUSED:
        return True
    stranded = campaign.status == CampaignStatus.SENDING
    return stranded and not live(CampaignRun.objects.filter(campaign=campaign)).exists()


def campaign_counts(campaign: Campaign) -> dict[str, int]:
    """sent / outcome unknown / failed / being sent / not sent yet, from the campaign's orders."""
    # A NEW order was created ahead of its send (or its send never left): not sent yet.
    statuses = (
        SupplierOrder.objects.filter(sale__campaign_link__campaign=campaign)
        .exclude(status=OrderStatus.NEW)
        .values_list("status", flat=True)
    )
    counts = {"sent": 0, "unknown": 0, "failed": 0, "in_progress": 0}
    for status in statuses:
        counts[_bucket(status)] += 1
    counts["not_sent"] = len(campaign.recipients) - sum(counts.values())
    return counts


# --- the run's work ---------------------------------------------------------------------------------


def _bucket(status: str) -> str:
    if status == OrderStatus.COMPLETED:
        return "sent"
    if status == OrderStatus.OUTCOME_UNKNOWN:
        return "unknown"
    if status in (OrderStatus.CANCELED, OrderStatus.FAILED, OrderStatus.REFUNDED):
        return "failed"
    return "in_progress"


@dataclass(frozen=True)
class ChunkBudget:
    """How much one task of a campaign run sends at most: `sends`, or until `seconds` have passed."""

    sends: int
    seconds: float


def chunk_budget() -> ChunkBudget:
    # A quarter of the task timeout leaves the rest of it to the one send that starts just before the
    # budget runs out (with its retries), so the timeout never lands inside a send.
    seconds = min(settings.Q_CLUSTER["timeout"] / 4, settings.CAMPAIGN_CHUNK_MAX_SECONDS)
    return ChunkBudget(sends=settings.CAMPAIGN_CHUNK_SENDS, seconds=seconds)


def send_campaign(
    run: CampaignRun,
    *,
    client: GiftlyClient | None = None,
    on_sent: Callable[[int, Sale, giftly.SendResult], None] | None = None,
) -> None:
    """Send to every recipient not yet handled, in the order given, in this process (a command)."""
    _send(run, client=client, on_sent=on_sent, budget=None)


def send_chunk(run: CampaignRun, *, client: GiftlyClient | None = None) -> None:
    """The work of a campaign run's task: one chunk of sends (`chunk_budget`); if recipients remain,
    the run is handed off and stays RUNNING: the task queues the next chunk's task on commit."""
    if _send(run, client=client, on_sent=None, budget=chunk_budget()):
        raise RunHandedOff(hand_off(run, "sent", "unknown", "failed"))


def _send(
    run: CampaignRun,
    *,
    client: GiftlyClient | None,
    on_sent: Callable[[int, Sale, giftly.SendResult], None] | None,
    budget: ChunkBudget | None,
) -> bool:
    """Send from the first recipient not yet handled; True when the budget ran out with some left."""
    campaign = Campaign.objects.select_related("telegram_gift").get(pk=run.campaign_id)
    if campaign.status != CampaignStatus.SENDING:
        raise RunFailed(f"campaign #{campaign.pk} is {campaign.status}, not sending")
    client = client or GiftlyClient()
    # One read of where every recipient stands: a resumed or next-chunk run skips the handled ones
    # without a query each.
    statuses = dict(
        SupplierOrder.objects.filter(
            sale__campaign_link__campaign=campaign, supplier=Supplier.GIFTLY
        ).values_list("sale__campaign_link__position", "status")
    )
    made = dict(CampaignSale.objects.filter(campaign=campaign).values_list("position", "sale_id"))
    ahead: dict[int, SupplierOrder] = {}  # created a chunk ahead of their sends, not sent yet
    actor = run.triggered_by
    sends = 0
    started = last_saved = time.monotonic()
    for position, recipient in enumerate(campaign.recipients):
        status = statuses.get(position)
        if status is not None and status not in (OrderStatus.NEW, OrderStatus.SUBMITTING):
            # Handled: sent, refused, or an unknown outcome left for staff to resolve (never resent;
            # a campaign paused at one goes on past it and past every other one).
            continue
        # Checked between sends, never during one.
        if (
            budget is not None
            and sends
            and (sends >= budget.sends or time.monotonic() - started >= budget.seconds)
        ):
            return True
        sale_id = made.get(position)
        if sale_id is None:
            if position not in ahead:
                ahead = _new_orders(campaign, position, made, actor)
            order = ahead.pop(position)
            sale = order.sale
        else:
            order = SupplierOrder.objects.select_related("sale").get(
                sale_id=sale_id, supplier=Supplier.GIFTLY
            )
            if order.status == OrderStatus.SUBMITTING:
                # Left by a worker that died mid-send: the gift may have gone. Never resent.
                order = giftly.recover_stale_submission(order=order)
                if order.status == OrderStatus.OUTCOME_UNKNOWN:
                    _count(run, order.status, recipient, order)
                    _pause_unknown(run, campaign, recipient, order)
                    return False
            if order.status != OrderStatus.NEW:
                continue
            sale = order.sale
        sends += 1
        result = giftly.send_gift(sale=sale, actor=actor, client=client, order=order)
        order = result.order
        if on_sent is not None:
            on_sent(recipient, sale, result)
        if result.pause_reason:  # not sent, and the next send would be turned away alike: not counted
            _pause_unsent(run, campaign, recipient, order, result.pause_reason)
            return False
        _count(run, order.status, recipient, order)
        if result.auth_failed:
            _drop_unsent(campaign)
            _finish_campaign(campaign, CampaignStatus.STOPPED, order.supplier_message)
            save_progress(run, "sent", "unknown", "failed")
            raise RunFailed(f"stopped: Giftly refused our token ({order.supplier_message})")
        if order.status == OrderStatus.OUTCOME_UNKNOWN:
            _pause_unknown(run, campaign, recipient, order)
            return False
        if time.monotonic() - last_saved >= PROGRESS_EVERY_SECONDS:
            save_progress(run, "sent", "unknown", "failed")
            last_saved = time.monotonic()
    _finish_campaign(campaign, CampaignStatus.FINISHED, "")
    save_progress(run, "sent", "unknown", "failed")
    return False


def _new_orders(campaign: Campaign, first: int, made: dict[int, int], actor: Any) -> dict[int, SupplierOrder]:
    """The NEW orders of the positions from `first` (CREATE_AHEAD of them) that have no sale yet.

    Written in one transaction a chunk ahead of their sends, not one transaction per send: a sale is
    three rows, which cost more than the send itself. Nothing is lost to a crash in between: a resumed
    run finds them by position and sends the ones still NEW; a stop or a pause drops the ones never
    claimed (`_drop_unsent`), so a recipient not sent to has no sale.
    """
    last = min(first + CREATE_AHEAD, len(campaign.recipients))
    positions = [p for p in range(first, last) if p not in made]
    with transaction.atomic():
        orders = giftly.create_gift_orders(
            telegram_gift=campaign.telegram_gift,
            recipient_ids=[campaign.recipients[p] for p in positions],
            text=campaign.text,
            buyer_id=campaign.buyer_id,
            amount_paid=campaign.amount_paid,
            currency=campaign.currency,
            user=actor,
        )
        CampaignSale.objects.bulk_create(
            CampaignSale(campaign=campaign, position=p, sale_id=order.sale_id)
            for p, order in zip(positions, orders, strict=True)
        )
    return dict(zip(positions, orders, strict=True))


def _drop_unsent(campaign: Campaign) -> None:
    """Delete the campaign's sales created ahead and never claimed (NEW, no attempt, so no event)."""
    with transaction.atomic():
        unsent = list(
            SupplierOrder.objects.select_for_update()
            .filter(sale__campaign_link__campaign=campaign, status=OrderStatus.NEW, attempts=0)
            .values_list("pk", "sale_id")
        )
        if not unsent:
            return
        sale_ids = [sale_id for _pk, sale_id in unsent]
        CampaignSale.objects.filter(campaign=campaign, sale_id__in=sale_ids).delete()
        SupplierOrder.objects.filter(pk__in=[pk for pk, _sale_id in unsent]).delete()
        Sale.objects.filter(pk__in=sale_ids).delete()


def _count(run: CampaignRun, status: str, recipient: int, order: SupplierOrder) -> None:
    run.done += 1
    bucket = _bucket(status)
    if bucket == "sent":
        run.sent += 1
    elif bucket == "unknown":
        run.unknown += 1
        run.add_error(recipient=str(recipient), order=order.transaction_id, error=order.supplier_message)
    else:
        run.failed += 1
        run.add_error(recipient=str(recipient), order=order.transaction_id, error=order.supplier_message)


def _pause_unknown(run: CampaignRun, campaign: Campaign, recipient: int, order: SupplierOrder) -> None:
    message = (
        f"paused at the first unknown outcome: recipient {recipient}, order {order.transaction_id}. "
        "Check it with Giftly and resolve it, then resume the campaign."
    )
    _pause(run, campaign, message, paused_order=order)


def _pause(run: CampaignRun, campaign: Campaign, message: str, **fields: Any) -> None:
    _drop_unsent(campaign)
    _finish_campaign(campaign, CampaignStatus.PAUSED, message, **fields)
    run.message = message
    save_progress(run, "sent", "unknown", "failed", "message")


def _pause_unsent(
    run: CampaignRun, campaign: Campaign, recipient: int, order: SupplierOrder, reason: str
) -> None:
    """Pause before a recipient that could not be sent to (Giftly turning sends away, an empty
    balance): its order stays NEW, so Resume sends it and the rest."""
    run.add_error(recipient=str(recipient), order=order.transaction_id, error=order.supplier_message)
    _pause(
        run,
        campaign,
        f"paused before recipient {recipient} (order {order.transaction_id}, not sent): {reason}",
    )


def _finish_campaign(campaign: Campaign, status: str, message: str, **fields: Any) -> None:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _move(locked, status, message=message, **fields)
    campaign.status, campaign.message = status, message
    for name, value in fields.items():
        setattr(campaign, name, value)


def _move(campaign: Campaign, status: str, *, message: str, **fields: Any) -> None:
    check_transition(machine="Campaign", table=CAMPAIGN_TRANSITIONS, current=campaign.status, target=status)
    Campaign.objects.filter(pk=campaign.pk).update(status=status, message=message, **fields)
    campaign.status, campaign.message = status, message


def _rivals(run: CampaignRun):
    Campaign.objects.select_for_update().filter(pk=run.campaign_id).first()  # serialises the claims
    return [CampaignRun.objects.filter(campaign_id=run.campaign_id)]


def _english(rejected: list[tuple[str, Any]]) -> list[list[str]]:
    # Stored like every record, in English; the confirmation page showed them in the staff's language.
    with translation.override("en"):
        return [[value, str(why)] for value, why in rejected]


def _user(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


CAMPAIGN: RunKind[CampaignRun] = RunKind(model=CampaignRun, work=send_chunk, rivals=_rivals)
