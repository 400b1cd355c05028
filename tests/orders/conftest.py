import threading
from collections import Counter

import pytest

from catalog.models import Offer, TelegramGift
from catalog.services.offers import sync_offers
from giftoffice.integrations.base import BaseClient


@pytest.fixture
def offers(sandbox, settings):
    """The sandbox's GamesDrop catalog (60 offers, every fixed one included) synced into ours."""
    settings.SANDBOX_GAMESDROP_OFFERS = 60
    sync_offers(trigger="test")

    def get(offer_group_id: int) -> Offer:
        return Offer.objects.get(offer_group_id=offer_group_id)

    return get


@pytest.fixture
def teddy(db) -> TelegramGift:
    """The 15 RUB 🧸 of the Giftly catalog (transactional tests flush the seeded rows, so ensure it)."""
    gift, _created = TelegramGift.objects.get_or_create(
        gift_id="5170233102089322756", defaults={"emoji": "🧸", "price_rub": 15}
    )
    return gift


@pytest.fixture
def calls(monkeypatch):
    """Counts every supplier request by (provider, path tail), and whether a DB transaction was open
    in the calling thread when it left (it never may be: no row is held across a network call)."""
    from django.db import connection

    counts: Counter = Counter()
    in_transaction: list[str] = []
    lock = threading.Lock()
    original = BaseClient._send_once

    def counting(self, method, path, **kwargs):
        name = (self.provider, path.rstrip("/").rsplit("/", 1)[-1])
        with lock:
            counts[name] += 1
            if connection.in_atomic_block:
                in_transaction.append("/".join(name))
        return original(self, method, path, **kwargs)

    monkeypatch.setattr(BaseClient, "_send_once", counting)
    counts.in_transaction = in_transaction  # type: ignore[attr-defined]
    return counts
