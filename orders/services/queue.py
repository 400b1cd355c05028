"""Doors that record work and queue its task in one transaction, one level above the services.

The services a task runs never import the task (docs/architecture.md, "Queueing one level up"); this
module imports both, so a purchase, a campaign or its resume is recorded and its task queued on the
commit that records it (the worker then finds the rows).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from giftoffice.runs.models import RunTrigger
from orders import tasks
from orders.models import Campaign, CampaignRun, SupplierOrder
from orders.services import campaigns, gamesdrop, selling

__all__ = ["create_campaign", "place_order", "resume_campaign", "sell_telegram_gift"]


def place_order(**purchase: Any) -> SupplierOrder:
    """`gamesdrop.place_order` (same arguments) with its send queued on commit (sent once)."""
    with transaction.atomic():
        order = gamesdrop.place_order(**purchase, queued=True)
        tasks.enqueue_submit(order=order)
    return order


def sell_telegram_gift(**sale: Any) -> SupplierOrder:
    """`selling.sell_telegram_gift` (same arguments) with its send queued on commit (sent once)."""
    with transaction.atomic():
        order = selling.sell_telegram_gift(**sale)
        tasks.enqueue_submit(order=order)
    return order


def create_campaign(
    *, preview: campaigns.CampaignPreview, user: Any = None, trigger: str = RunTrigger.ADMIN
) -> CampaignRun:
    """The campaign and its first run, whose task is queued on commit."""
    with transaction.atomic():
        run = campaigns.create_campaign(preview=preview, user=user, trigger=trigger)
        tasks.enqueue_campaign_run(run=run)
    return run


def resume_campaign(*, campaign: Campaign, user: Any = None) -> CampaignRun:
    """`campaigns.resume_campaign` with the new run's task queued on commit."""
    with transaction.atomic():
        run = campaigns.resume_campaign(campaign=campaign, user=user)
        tasks.enqueue_campaign_run(run=run)
    campaign.refresh_from_db()
    return run
