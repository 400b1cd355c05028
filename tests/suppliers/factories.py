from datetime import UTC, datetime
from decimal import Decimal

import factory

from catalog.models import Product, ProductType, TelegramGift
from giftoffice.integrations.tribute import TributeProduct
from giftoffice.sandbox.models import TributeSandboxProduct


class TributeProductFactory(factory.Factory):
    """A feed row as the Tribute client returns it."""

    class Meta:
        model = TributeProduct

    id = factory.Sequence(lambda n: 5000 + n)
    type = "digital"
    name = factory.LazyAttribute(lambda o: f"Товар {o.id}")
    description = "Описание"
    amount = 499
    currency = "usd"
    stars_amount = 100
    stars_amount_enabled = True
    status = "approved"
    is_custom = False
    accept_cards = True
    accept_wallet_pay = False
    protect_content = True
    created = datetime(2025, 8, 25, 10, 30, tzinfo=UTC)
    updated = datetime(2025, 8, 25, 10, 30, tzinfo=UTC)
    pending_orders = 0
    image_url = "https://cdn.example.com/image.jpg"
    link = "https://t.me/tribute_bot/app?startapp=pf6"
    web_link = "https://web.tribute.tg/p/f6"


class SandboxTributeProductFactory(factory.django.DjangoModelFactory):
    """A product in the sandbox supplier's catalog (what Tribute would serve)."""

    class Meta:
        model = TributeSandboxProduct

    id = factory.Sequence(lambda n: 7000 + n)
    type = "physical"
    name = factory.LazyAttribute(lambda o: f"Мерч {o.id}")
    description = "Футболка"
    amount = 2500
    currency = "rub"
    stars_amount = None
    stars_amount_enabled = False
    status = "approved"
    created = datetime(2025, 9, 1, tzinfo=UTC)
    updated = datetime(2025, 9, 1, tzinfo=UTC)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    remote_id = factory.Sequence(lambda n: 8000 + n)
    type = ProductType.DIGITAL
    name_ru = factory.LazyAttribute(lambda o: f"Товар {o.remote_id}")
    amount = 499
    currency = "usd"
    status = "approved"


class TelegramGiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TelegramGift
        django_get_or_create = ("gift_id",)

    gift_id = factory.Sequence(lambda n: f"51700000000000{n:05d}")
    emoji = "🎁"
    price_rub = Decimal(25)
    name_ro = "Cadou"
    name_ru = "Подарок"
