from decimal import Decimal

import pytest
from django.utils import translation

from catalog.models import Product, SyncRun, SyncSource, TelegramGift
from catalog.services.telegram_gifts import seed_telegram_gifts
from giftoffice.demo.suppliers import load_demo_products
from giftoffice.runs.models import RunStatus

from .factories import ProductFactory, TelegramGiftFactory

pytestmark = pytest.mark.django_db

# The Giftly table: price RUB, emoji, gift id.
GIFTLY_TABLE = {
    ("5170233102089322756", Decimal(15), "🧸"),
    ("5170145012310081615", Decimal(15), "💝"),
    ("5168103777563050263", Decimal(25), "🌹"),
    ("5170250947678437525", Decimal(25), "🎁"),
    ("6028601630662853006", Decimal(50), "🍾"),
    ("5170564780938756245", Decimal(50), "🚀"),
    ("5170314324215857265", Decimal(50), "💐"),
    ("5170144170496491616", Decimal(50), "🎂"),
    ("5168043875654172773", Decimal(100), "🏆"),
    ("5170690322832818290", Decimal(100), "💍"),
    ("5170521118301225164", Decimal(100), "💎"),
}


def rows() -> set:
    return set(TelegramGift.objects.values_list("gift_id", "price_rub", "emoji"))


def test_the_migration_seeded_the_eleven_giftly_gifts():
    assert rows() == GIFTLY_TABLE
    assert TelegramGift.objects.filter(active=True).count() == 11


def test_seeding_again_creates_nothing_and_keeps_staff_edits():
    TelegramGift.objects.filter(gift_id="5170233102089322756").update(name_en="Teddy", active=False)

    assert seed_telegram_gifts() == 0

    assert rows() == GIFTLY_TABLE
    teddy = TelegramGift.objects.get(gift_id="5170233102089322756")
    assert (teddy.name_en, teddy.active) == ("Teddy", False)


def test_seeding_an_empty_table_creates_all_eleven():
    TelegramGift.objects.all().delete()

    assert seed_telegram_gifts() == 11
    assert rows() == GIFTLY_TABLE


def test_each_gift_is_named_in_the_four_languages():
    rose = TelegramGift.objects.get(gift_id="5168103777563050263")

    names = {}
    for language in ("ro", "ru", "en", "uk"):
        with translation.override(language):
            names[language] = rose.name
    assert names == {"ro": "Trandafir", "ru": "Роза", "en": "Rose", "uk": "Троянда"}


def test_the_report_gift_name_is_never_the_numeric_gift_id():
    # Issue 10: Telegram wants the marketplace's gift name; without one the report waits.
    gift = TelegramGiftFactory(gift_id="5170000000000000001")
    assert gift.report_gift_name == ""

    gift.marketplace_name = "teddy-bear-1"
    assert gift.report_gift_name == "teddy-bear-1"


def test_demo_step_queues_one_products_sync_until_the_mirror_is_filled(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = load_demo_products()
        second = load_demo_products()

    run = SyncRun.objects.get()
    assert (run.source, run.status) == (SyncSource.TRIBUTE_PRODUCTS, RunStatus.QUEUED)
    expected = (
        f"11 Telegram gifts; Tribute products sync #{run.pk} queued "
        "(runs once the server and task queue are up)"
    )
    assert first == second == expected


def test_demo_step_with_products_mirrored_queues_nothing():
    ProductFactory.create_batch(2)

    assert load_demo_products() == "11 Telegram gifts; 2 Tribute products already mirrored"
    assert SyncRun.objects.count() == 0
    assert Product.objects.count() == 2
