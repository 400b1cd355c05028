"""The Giftly gift catalog: the 11 gifts of the supplier's table, with names in our four languages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from catalog.models import TelegramGift

# (gift_id, price RUB, emoji, {language: name}) exactly as the Giftly table lists them.
GIFTLY_GIFTS: list[tuple[str, int, str, dict[str, str]]] = [
    ("5170233102089322756", 15, "🧸", {"ro": "Ursuleț", "ru": "Мишка", "en": "Teddy bear", "uk": "Ведмедик"}),
    ("5170145012310081615", 15, "💝", {"ro": "Inimă", "ru": "Сердце", "en": "Heart", "uk": "Серце"}),
    ("5168103777563050263", 25, "🌹", {"ro": "Trandafir", "ru": "Роза", "en": "Rose", "uk": "Троянда"}),
    ("5170250947678437525", 25, "🎁", {"ro": "Cadou", "ru": "Подарок", "en": "Gift box", "uk": "Подарунок"}),
    (
        "6028601630662853006",
        50,
        "🍾",
        {"ro": "Șampanie", "ru": "Шампанское", "en": "Champagne", "uk": "Шампанське"},
    ),
    ("5170564780938756245", 50, "🚀", {"ro": "Rachetă", "ru": "Ракета", "en": "Rocket", "uk": "Ракета"}),
    ("5170314324215857265", 50, "💐", {"ro": "Buchet", "ru": "Букет", "en": "Bouquet", "uk": "Букет"}),
    ("5170144170496491616", 50, "🎂", {"ro": "Tort", "ru": "Торт", "en": "Cake", "uk": "Торт"}),
    ("5168043875654172773", 100, "🏆", {"ro": "Trofeu", "ru": "Кубок", "en": "Trophy", "uk": "Кубок"}),
    ("5170690322832818290", 100, "💍", {"ro": "Inel", "ru": "Кольцо", "en": "Ring", "uk": "Каблучка"}),
    ("5170521118301225164", 100, "💎", {"ro": "Diamant", "ru": "Алмаз", "en": "Diamond", "uk": "Діамант"}),
]


def seed_telegram_gifts(*, model: Any = None) -> int:
    """Create the gifts that are missing; returns how many were created.

    Idempotent, and existing rows are left alone so staff edits (names, marketplace name, active)
    survive. Writes the per-language columns explicitly so a migration can pass its historical model.
    """
    model = TelegramGift if model is None else model
    created = 0
    for gift_id, price, emoji, names in GIFTLY_GIFTS:
        defaults: dict[str, Any] = {"emoji": emoji, "price_rub": Decimal(price)}
        defaults.update({f"name_{lang}": name for lang, name in names.items()})
        _gift, was_created = model.objects.get_or_create(gift_id=gift_id, defaults=defaults)
        created += int(was_created)
    return created
