"""The orders of `make run`'s demo: a delivered Telegram gift, the test offer 999 completed with its
key, and a top-up (offer 101) still processing.

They are made through the real services against the sandbox (`send_gift`, `check_purchase`,
`place_order`, `submit`, `refresh`), so their timelines are what staff will see in production. During
`demo_setup` the web server (and so the sandbox) is not up yet, so the step queues a task that waits
(bounded) for the sandbox and for the offers sync to bring offer 999, then places them. If the sandbox
never answers, the task writes the same three orders directly through the status service (every move
an event, each saying "demo, written directly"), and says so in its result.

Idempotent: the demo's sales carry DEMO_BUYER_ID; once any exists, nothing more is made.
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import transaction
from django_q.models import OrmQ
from django_q.tasks import async_task

from catalog.models import Offer, TelegramGift
from catalog.services.telegram_gifts import seed_telegram_gifts
from giftoffice.integrations import gamesdrop as gamesdrop_api
from giftoffice.integrations.base import IntegrationError
from orders.models import OrderStatus, Sale, Supplier, SupplierOrder
from orders.services import gamesdrop, giftly
from orders.services.status import claim_for_submission, set_status

__all__ = ["load_demo_orders", "place_demo_orders"]

DEMO_BUYER_ID = 700_000_001
TEDDY = "5170233102089322756"
TOP_UP_PLAYER = "52357322414"  # a player the sandbox's check-game-data accepts
TASK_NAME = "demo-orders"
DIRECT = "demo, written directly (the sandbox did not answer)"


def load_demo_orders() -> str:
    """Demo step: queue the task that places the demo orders once the sandbox answers."""
    if Sale.objects.filter(buyer_id=DEMO_BUYER_ID).exists():
        return "demo orders already there"
    if _queued():
        return "demo orders already queued (placed once the task queue runs)"
    transaction.on_commit(lambda: async_task(place_demo_orders, task_name=TASK_NAME, group="demo"))
    return "queued: a delivered Telegram gift, offer 999 completed with its key, a top-up processing"


def _queued() -> bool:
    """The task is waiting in the ORM broker (the demo's); Redis brokers are not looked into."""
    for queued in OrmQ.objects.all():
        try:
            if queued.name() == TASK_NAME:
                return True
        except Exception:  # noqa: S112  (a payload this version cannot read is not ours)
            continue
    return False


def place_demo_orders(wait_seconds: float = 120.0) -> str:
    """Task: the three demo orders through the real services, or directly if the sandbox never answers."""
    if Sale.objects.filter(buyer_id=DEMO_BUYER_ID).exists():
        return "demo orders already there"
    seed_telegram_gifts()
    if _sandbox_ready(wait_seconds):
        try:
            return _through_services()
        except IntegrationError as exc:
            return f"demo orders: the sandbox failed midway ({exc}); see the orders admin"
    return _directly()


def _sandbox_ready(wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    client = gamesdrop_api.client()
    while time.monotonic() < deadline:
        try:
            client.balance()
            if Offer.objects.filter(offer_group_id__in=[999, 101]).count() == 2:
                return True
        except IntegrationError:
            pass
        time.sleep(1.0)
    return False


def _through_services() -> str:
    teddy = TelegramGift.objects.get(gift_id=TEDDY)
    sale = giftly.create_gift_sale(
        telegram_gift=teddy,
        recipient_id=987654321,
        text="Happy birthday!",
        buyer_id=DEMO_BUYER_ID,
        amount_paid=Decimal("0.50"),
        currency="USD",
    )
    gift = giftly.send_gift(sale=sale).order
    key = gamesdrop.submit(
        order=gamesdrop.place_order(
            check=gamesdrop.check_purchase(offer=Offer.objects.get(offer_group_id=999)),
            buyer_id=DEMO_BUYER_ID,
        )
    )
    top_up = gamesdrop.submit(
        order=gamesdrop.place_order(
            check=gamesdrop.check_purchase(
                offer=Offer.objects.get(offer_group_id=101), game_user_id=TOP_UP_PLAYER
            ),
            buyer_id=DEMO_BUYER_ID,
        )
    )
    top_up = gamesdrop.refresh(order=top_up)  # SUBMITTED -> PROCESSING; the schedule polls it on
    return (
        f"demo orders through the sandbox: Telegram gift {gift.status}, offer 999 {key.status}, "
        f"top-up {top_up.status}"
    )


def _directly() -> str:
    teddy = TelegramGift.objects.get(gift_id=TEDDY)
    key_offer = Offer.objects.filter(offer_group_id=999).first()
    top_up_offer = Offer.objects.filter(offer_group_id=101).first()
    made = [
        _direct(Supplier.GIFTLY, {"recipient": "987654321"}, [OrderStatus.COMPLETED], telegram_gift=teddy)
    ]
    if key_offer is not None:
        made.append(
            _direct(
                Supplier.GAMESDROP,
                {},
                [OrderStatus.COMPLETED],
                offer=key_offer,
                activation_key="DEMO-KEY-0000-0000",
            )
        )
    if top_up_offer is not None:
        made.append(
            _direct(
                Supplier.GAMESDROP,
                {"game_user_id": TOP_UP_PLAYER},
                [OrderStatus.SUBMITTED, OrderStatus.PROCESSING],
                offer=top_up_offer,
            )
        )
    return (
        f"demo orders written directly (the sandbox did not answer): {len(made)} of 3 (offers need the sync)"
    )


def _direct(supplier: str, request: dict, moves: list[str], **fields) -> SupplierOrder:
    key = fields.pop("activation_key", "")
    with transaction.atomic():
        sale = Sale.objects.create(buyer_id=DEMO_BUYER_ID, recipient_id=987654321)
        order = SupplierOrder.objects.create(sale=sale, supplier=supplier, request=request, **fields)
    claim_for_submission(order=order)
    for status in moves:
        extra = {"activation_key": key} if key and status == OrderStatus.COMPLETED else {}
        order = set_status(order=order, to=status, message=DIRECT, supplier_message=DIRECT, **extra)
    return order
