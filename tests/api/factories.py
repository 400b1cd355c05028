"""Factories for the gift API tests."""

from __future__ import annotations

from datetime import UTC, datetime

import factory
from factory.django import DjangoModelFactory

from catalog.models import Gift, Partner
from catalog.services.api_keys import create_api_key


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")


class GiftFactory(DjangoModelFactory):
    class Meta:
        model = Gift

    name_ro = factory.Sequence(lambda n: f"Cadou {n}")
    start_time = datetime(2025, 8, 25, 9, 50, tzinfo=UTC)
    removal_time = datetime(2025, 8, 30, 10, 50, tzinfo=UTC)
    active = True


def issue_key(*, partner: Partner | None = None, can_write: bool = True) -> str:
    """A fresh plain API key for `partner` (a new partner if None)."""
    return create_api_key(partner=partner or PartnerFactory(), can_write=can_write).plain_key
