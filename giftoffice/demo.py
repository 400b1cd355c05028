"""Demo data for `make run`. Each step is idempotent: running the demo twice leaves one copy of each."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.utils.module_loading import import_string

from catalog.services.partner_sites import ensure_sandbox_site


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


def demo_steps() -> list[tuple[str, Callable[[], str]]]:
    """(title, step) pairs; each step returns a one-line summary."""
    steps: list[tuple[str, Callable[[], str]]] = []
    # Each feature registers its demo step here.
    steps.append(("Partner site", ensure_sandbox_site))
    steps.append(("Supplier catalogs", import_string("catalog.services.products.load_demo_products")))
    return steps
