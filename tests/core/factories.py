"""Factories for the rows that hold a secret or key (tests/core/test_admin_secrets.py)."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from catalog.models import PartnerApiKey
from giftoffice.sandbox.models import GamesDropOrder
from orders.models import SupplierOrder
from orders.models.orders import Supplier
from tests.api.factories import PartnerFactory
from tests.gamesdrop.factories import OfferFactory
from tests.orders.report_factories import SaleFactory


class PartnerApiKeyFactory(DjangoModelFactory):
    class Meta:
        model = PartnerApiKey

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"key {n}")
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")


class SupplierOrderFactory(DjangoModelFactory):
    """A GamesDrop order (the supplier whose answers carry activation keys)."""

    class Meta:
        model = SupplierOrder

    sale = factory.SubFactory(SaleFactory)
    supplier = Supplier.GAMESDROP
    offer = factory.SubFactory(OfferFactory)
    request = factory.LazyFunction(lambda: {"game_user_id": "5123456789"})
    activation_key = "AAAA-BBBB-CCCC"


class SandboxGamesDropOrderFactory(DjangoModelFactory):
    class Meta:
        model = GamesDropOrder

    order_id = factory.Sequence(lambda n: 700000 + n)
    transaction_id = factory.Sequence(lambda n: f"tx-{n}")
    offer_id = 1001
    product_name = "Steam"
    offer_name = "Steam 10 USD"
    price = Decimal("10.00")
    currency = "USD"
    charged_usd = Decimal("10.00")
    status = "COMPLETED"
    final_status = "COMPLETED"
    is_return_data_for_customer = True
    key = "SBX-AAAA-BBBB-CCCC"
