"""The demo's staff login."""

from __future__ import annotations

import secrets

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
