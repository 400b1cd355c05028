"""The demo's supplier catalogs: Giftly's gifts seeded, Tribute and GamesDrop filled by queued syncs.

The web server (and so the sandbox the syncs read from) starts after the demo setup, so the syncs are
queued, not run: the task queue picks them up once everything is up.
"""

from __future__ import annotations

import time

from catalog.models import Offer, Product, SyncSource, TelegramGift
from catalog.services.sync_queue import enqueue_sync, run_queued_sync
from catalog.services.sync_runs import pending_run
from catalog.services.telegram_gifts import seed_telegram_gifts
from giftoffice.integrations import gamesdrop
from giftoffice.integrations.base import IntegrationError
from giftoffice.schedules import ensure_all_schedules


def load_demo_products() -> str:
    """The Giftly gifts are seeded; the Tribute mirror is filled by a queued sync (none when one is
    already queued or running)."""
    seed_telegram_gifts()
    gifts = f"{TelegramGift.objects.count()} Telegram gifts"
    mirrored = Product.objects.count()
    if mirrored:
        return f"{gifts}; {mirrored} Tribute products already mirrored"
    run = pending_run(source=SyncSource.TRIBUTE_PRODUCTS) or enqueue_sync(source=SyncSource.TRIBUTE_PRODUCTS)
    return f"{gifts}; Tribute products sync #{run.pk} queued (runs once the server and task queue are up)"


def load_demo_offers() -> str:
    """The schedules exist, and one offers sync is queued that waits for the supplier to answer (none
    when one is already queued or running, as for products)."""
    ensure_all_schedules()
    count = Offer.objects.count()
    if count:
        return f"{count} offers already synced; schedules ensured"
    run = pending_run(source=SyncSource.GAMESDROP_OFFERS) or enqueue_sync(
        source=SyncSource.GAMESDROP_OFFERS, trigger="demo", task=run_when_supplier_answers
    )
    return f"sync run #{run.pk} queued (runs once the sandbox answers); schedules ensured"


def run_when_supplier_answers(run_id: int, wait_seconds: float = 60.0) -> str:
    """Task: wait (bounded) for the supplier to answer a balance call, then run the queued sync."""
    deadline = time.monotonic() + wait_seconds
    client = gamesdrop.client()
    while True:
        try:
            client.balance()
            break
        except IntegrationError:
            if time.monotonic() > deadline:
                break  # let the sync itself fail and record why
            time.sleep(1.0)
    return run_queued_sync(run_id=run_id)
