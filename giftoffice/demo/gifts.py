"""The demo's gifts: staff-made gifts in all four languages, with generated pictures."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageDraw

from catalog.gift_fields import DEFAULT_LANGUAGE, DEFAULT_NAME_KEY, LANGUAGES
from catalog.models import Gift, gift_image_path

_DEMO_GIFTS = [
    {
        "names": ("Cadou de bun venit", "Приветственный подарок", "Welcome gift", "Вітальний подарунок"),
        "descriptions": (
            "Un cadou pentru fiecare client nou.",
            "Подарок каждому новому клиенту.",
            "A gift for every new customer.",
            "Подарунок кожному новому клієнту.",
        ),
        "color": (220, 60, 80),
        "days": (0, 30),
    },
    {
        "names": ("Stele Telegram", "Звёзды Telegram", "Telegram Stars", "Зірки Telegram"),
        "descriptions": (
            "50 de stele la orice comandă.",
            "50 звёзд к любому заказу.",
            "50 stars with any order.",
            "50 зірок до будь-якого замовлення.",
        ),
        "color": (40, 140, 220),
        "days": (-2, 14),
    },
    {
        "names": ("Abonament premium", "Премиум-подписка", "Premium subscription", "Преміум-підписка"),
        "descriptions": (
            "O lună de premium cadou.",
            "Месяц премиума в подарок.",
            "One month of premium as a gift.",
            "Місяць преміуму в подарунок.",
        ),
        "color": (120, 70, 200),
        "days": (1, 10),
    },
    {
        "names": ("Cod de joc", "Игровой код", "Game code", "Ігровий код"),
        "descriptions": (
            "Un cod pentru un joc popular.",
            "Код для популярной игры.",
            "A code for a popular game.",
            "Код для популярної гри.",
        ),
        "color": (30, 170, 100),
        "days": (-40, -5),
    },
    {
        "names": ("Card cadou", "Подарочная карта", "Gift card", "Подарункова картка"),
        "descriptions": (
            "Card cadou de 10 EUR.",
            "Подарочная карта на 10 EUR.",
            "A 10 EUR gift card.",
            "Подарункова картка на 10 EUR.",
        ),
        "color": (240, 160, 30),
        "days": (0, 60),
    },
]


def _demo_png(color: tuple[int, int, int], size: int, label: str) -> str:
    """Draw a plain PNG and store it under media/gift_images/; returns the stored name."""
    picture = Image.new("RGB", (size, size), color)
    draw = ImageDraw.Draw(picture)
    margin = size // 8
    draw.ellipse(
        (margin, margin, size - margin, size - margin), outline=(255, 255, 255), width=max(2, size // 32)
    )
    draw.text((size // 2, size // 2), label, fill=(255, 255, 255), anchor="mm")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return default_storage.save(gift_image_path(None, f"{uuid.uuid4()}.png"), ContentFile(buffer.getvalue()))


def load_demo_gifts() -> str:
    """A handful of staff-made gifts in all four languages with generated icons/images. Idempotent:
    a gift whose default-language name already exists is left alone."""
    created = 0
    today = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    for spec in _DEMO_GIFTS:
        if Gift.objects.filter(**{DEFAULT_NAME_KEY: spec["names"][0]}, owner__isnull=True).exists():
            continue
        fields: dict[str, Any] = {}
        for lang, name, description in zip(LANGUAGES, spec["names"], spec["descriptions"], strict=True):
            fields[f"name_{lang}"] = name
            fields[f"description_{lang}"] = description
            fields[f"link_{lang}"] = f"https://example.com/{lang}/gifts/"
        label = spec["names"][2][:12]
        fields[f"icon_{DEFAULT_LANGUAGE}"] = _demo_png(spec["color"], 128, label)
        fields[f"image_{DEFAULT_LANGUAGE}"] = _demo_png(spec["color"], 512, label)
        start_days, end_days = spec["days"]
        Gift.objects.create(
            **fields,
            start_time=today + timedelta(days=start_days),
            removal_time=today + timedelta(days=end_days),
            active=True,
        )
        created += 1
    total = Gift.objects.filter(**{f"{DEFAULT_NAME_KEY}__in": [s["names"][0] for s in _DEMO_GIFTS]}).count()
    return f"{total} demo gifts in {len(LANGUAGES)} languages ({created} new)"
