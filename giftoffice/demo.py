"""Demo data for `make run`. Each step is idempotent: running the demo twice leaves one copy of each."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.utils.module_loading import import_string


def ensure_admin(*, username: str = "admin", password: str | None = None) -> tuple[str, str]:
    """Create (or reset) the demo superuser and return its login."""
    password = password or secrets.token_urlsafe(9)
    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"}
    )
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    return username, password


DEMO_STEPS: list[tuple[str, str]] = [
    ("Demo gifts", "catalog.services.demo_gifts.load_demo_gifts"),
    ("Partner site", "catalog.services.partner_sites.ensure_sandbox_site"),
    ("Supplier catalogs", "catalog.services.products.load_demo_products"),
    ("GamesDrop offers", "catalog.services.offers.load_demo_offers"),
    ("Schedules", "giftoffice.schedules.demo_step"),
    ("Orders", "giftoffice.demo_orders.load_demo_orders"),
    # Telegram purchase reports (wip/reports): once merged, add
    # ("Telegram reports", "orders.demo.load_demo_reports"),
]


def demo_steps() -> list[tuple[str, Callable[[], str]]]:
    """(title, step) pairs; each step returns a one-line summary."""
    return [(title, import_string(path)) for title, path in DEMO_STEPS]
