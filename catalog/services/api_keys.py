"""Partner API keys: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connections, transaction
from django.utils import timezone

from catalog.fastpaths import common as fastpaths
from catalog.models import Partner, PartnerApiKey

logger = logging.getLogger(__name__)
KEY_SCHEME = "gk"  # keys look like gk_<8 hex prefix>_<43 url-safe chars>
# The key use a read left to record once its answer is sent: (key id, when). A context variable, so each
# request thread has its own.
_deferred_touch: ContextVar[tuple[int, datetime] | None] = ContextVar("deferred_key_touch", default=None)


@dataclass(frozen=True)
class IssuedKey:
    api_key: PartnerApiKey
    plain_key: str  # never stored; show it once


def hash_key(plain_key: str) -> str:
    return hashlib.sha256(plain_key.encode("utf-8", "surrogatepass")).hexdigest()


def get_or_create_partner(*, name: str) -> tuple[Partner, bool]:
    name = name.strip()
    if not name:
        raise ValueError("Partner name must not be empty.")
    return Partner.objects.get_or_create(name=name)


def issue_api_key(*, api_key: PartnerApiKey) -> str:
    """Give an unsaved key (partner, can_write, label set) its secret, save it, return the plain key."""
    prefix = secrets.token_hex(4)
    plain_key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key.prefix = prefix
    api_key.key_hash = hash_key(plain_key)
    api_key.save()
    return plain_key


@transaction.atomic
def create_api_key(*, partner: Partner, can_write: bool, name: str = "") -> IssuedKey:
    api_key = PartnerApiKey(partner=partner, can_write=can_write, name=name)
    plain_key = issue_api_key(api_key=api_key)
    return IssuedKey(api_key=api_key, plain_key=plain_key)


def masked_key(*, prefix: str) -> str:
    """How staff see a key: its scheme and prefix, never the secret part."""
    return f"{KEY_SCHEME}_{prefix}_…"


def revoke_api_keys(*, key_ids: Iterable[int]) -> int:
    """Revoke the keys not revoked yet, in one statement; returns how many. Requests with them get 401
    from the next one on."""
    return PartnerApiKey.objects.filter(pk__in=list(key_ids), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def revoke_api_key(*, api_key: PartnerApiKey) -> bool:
    """Revoke now; False if it already was."""
    revoked = revoke_api_keys(key_ids=[api_key.pk])
    api_key.refresh_from_db(fields=["revoked_at"])
    return bool(revoked)


def authenticate_api_key(*, plain_key: str, defer_touch: bool = False) -> PartnerApiKey | None:
    """The active key matching `plain_key` (its partner attached), or None.

    One indexed lookup in plain SQL (catalog/fastpaths/common.py; every API request pays it), or with
    GIFT_FAST_PATHS off the plain ORM query it replaces. last_used_at is written at most every
    PARTNER_KEY_TOUCH_SECONDS. With `defer_touch` (reads) it is not written here but once the answer has
    been sent (`touch_deferred_key`, on Django's request_finished), so a read never waits on SQLite's
    write lock.
    """
    if not plain_key or len(plain_key) > 200:
        return None
    key_hash = hash_key(plain_key)
    if not settings.GIFT_FAST_PATHS:
        api_key = (
            PartnerApiKey.objects.select_related("partner").filter(key_hash=key_hash, revoked_at=None).first()
        )
        return _touched(api_key, defer_touch=defer_touch)
    api_key = fastpaths.lookup_key(connections[PartnerApiKey.objects.db], key_hash=key_hash)
    return None if api_key is None else _touched(api_key, defer_touch=defer_touch)


def _touched(api_key: PartnerApiKey | None, *, defer_touch: bool) -> PartnerApiKey | None:
    if api_key is None:
        return None
    last_used_at = api_key.last_used_at
    now = timezone.now()
    if last_used_at is None or (now - last_used_at).total_seconds() >= settings.PARTNER_KEY_TOUCH_SECONDS:
        if defer_touch:
            _deferred_touch.set((api_key.pk, now))
        else:
            touch_api_key(key_id=api_key.pk, when=now)
        api_key.last_used_at = now
    return api_key


def touch_deferred_key(**_signal: Any) -> None:
    """Django's request_finished (the response was sent and closed): record the use a read deferred."""
    deferred = _deferred_touch.get()
    if deferred is not None:
        _deferred_touch.set(None)
        touch_api_key(key_id=deferred[0], when=deferred[1])


def touch_api_key(*, key_id: int, when: datetime) -> None:
    """Record a key's use (best effort: a busy database skips it, the next due request records it).
    Workers that read the same stale last_used_at coalesce on the cache, so one of them writes."""
    if not cache.add(f"partner-key-touch:{key_id}", 1, timeout=settings.PARTNER_KEY_TOUCH_SECONDS):
        return
    try:
        PartnerApiKey.objects.filter(pk=key_id).update(last_used_at=when)
    except OperationalError:  # e.g. SQLite's "database is locked" behind a long sync commit
        logger.info("Partner key %s: last use not recorded (database busy)", key_id)
        cache.delete(f"partner-key-touch:{key_id}")
