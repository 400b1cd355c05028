from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Gift

pytestmark = pytest.mark.django_db


def test_database_refuses_removal_time_not_after_start_time():
    start = datetime(2025, 8, 25, 9, 50, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        Gift.objects.create(name_ro="Cadou", start_time=start, removal_time=start - timedelta(minutes=1))
    assert Gift.objects.count() == 0


def test_gift_has_a_column_per_language_for_each_translated_field():
    gift = Gift.objects.create(
        name_ro="Cadou",
        name_ru="Подарок",
        name_en="Gift",
        name_uk="Подарунок",
        start_time=datetime(2025, 8, 25, tzinfo=UTC),
        removal_time=datetime(2025, 8, 30, tzinfo=UTC),
    )
    gift.refresh_from_db()
    assert (gift.name_ro, gift.name_ru, gift.name_en, gift.name_uk) == (
        "Cadou",
        "Подарок",
        "Gift",
        "Подарунок",
    )
