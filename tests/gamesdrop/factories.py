from decimal import Decimal

import factory

from catalog.models import Offer, OfferPriceChange, SyncRun, SyncSource


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    offer_group_id = factory.Sequence(lambda n: 500000 + n)
    product_id = 5
    product_name = "PUBG Mobile"
    name = factory.Sequence(lambda n: f"{60 + n} UC")
    category = "Top Up"
    supplier_price = Decimal("10.00")
    currency = "USD"
    in_stock = True
    settlement_method = "MIXED"
    requires_game_user_id = True
    returns_key = False


class OfferPriceChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferPriceChange

    offer = factory.SubFactory(OfferFactory)
    old_price = Decimal("10.00")
    new_price = Decimal("12.00")
    old_currency = "USD"
    currency = "USD"
    change_percent = Decimal("20.00")
    alert = True


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    source = SyncSource.GAMESDROP_OFFERS
