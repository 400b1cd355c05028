"""Demo data for `make run`. Each step is idempotent: running the demo twice leaves one copy of each."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.contrib.auth import get_user_model


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
    from catalog.services.gifts import load_demo_gifts

    steps.append(("Demo gifts", load_demo_gifts))
    return steps
