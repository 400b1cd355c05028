"""Partner API keys: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connections, transaction
from django.db.models import Model
from django.db.models.base import ModelState
from django.utils import timezone

from catalog.models import Partner, PartnerApiKey
from catalog.services.rate_counters import FoldedPeek

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=Model)
KEY_SCHEME = "gk"  # keys look like gk_<8 hex prefix>_<43 url-safe chars>


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


_KEY_FIELDS = ("id", "partner_id", "name", "prefix", "can_write", "last_used_at")
_lookup_sql: dict[tuple[str, str, str], str] = {}


def _key_lookup_sql(connection, *, extra: str = "") -> str:
    """The key lookup's SQL, built once per database (identifiers only; the hash goes in as a parameter).
    With `extra` (a scalar subquery) the statement always answers one row, that value last; the key's
    columns are NULL when no active key matches."""
    cache_key = (connection.alias, connection.vendor, extra)
    sql = _lookup_sql.get(cache_key)
    if sql is None:
        qn = connection.ops.quote_name
        keys, partners = qn(PartnerApiKey._meta.db_table), qn(Partner._meta.db_table)
        columns = f"{', '.join(f'k.{qn(name)}' for name in _KEY_FIELDS)}, p.{qn('name')}"
        joined = f"{keys} k INNER JOIN {partners} p ON p.{qn('id')} = k.{qn('partner_id')}"
        matches = f"k.{qn('key_hash')} = %s AND k.{qn('revoked_at')} IS NULL"
        if extra:
            sql = f"SELECT {columns}, {extra} FROM (SELECT 1) one LEFT JOIN ({joined}) ON {matches}"  # noqa: S608
        else:
            sql = f"SELECT {columns} FROM {joined} WHERE {matches}"  # noqa: S608
        _lookup_sql[cache_key] = sql
    return sql


def _loaded(model: type[M], alias: str, values: dict[str, Any]) -> M:
    """An instance of a row read by hand, as Model.from_db() would make it (fields not given are
    deferred), built the way unpickling builds one: every API request makes two, and Model.__init__
    costs more than the key lookup's SQL. Replaces the plain
    `PartnerApiKey.objects.select_related("partner").get(key_hash=..., revoked_at=None)`; bench
    "fastpath key_lookup": 0.33x that on SQLite, 0.61x on PostgreSQL (docs/perf.md)."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = instance._state = ModelState()
    state.adding, state.db = False, alias
    return instance


def authenticate_api_key(*, plain_key: str, defer_touch: bool = False) -> PartnerApiKey | None:
    """The active key matching `plain_key` (its partner attached), or None.

    One indexed lookup in plain SQL (every API request pays it; an ORM query costs several times more
    to build than to run). last_used_at is written at most every PARTNER_KEY_TOUCH_SECONDS. With
    `defer_touch` (reads) it is not written here: the key's `touch_due` is set and the caller runs
    touch_api_key() after the answer is sent, so a read never waits on SQLite's write lock.
    """
    if not plain_key or len(plain_key) > 200:
        return None
    alias = PartnerApiKey.objects.db
    connection = connections[alias]
    with connection.cursor() as cursor:
        key_hash = hash_key(plain_key)
        cursor.execute(_key_lookup_sql(connection), [key_hash])
        row = cursor.fetchone()
    return _key_of_row(row, key_hash=key_hash, alias=alias, defer_touch=defer_touch)


def authenticate_api_key_counting(
    *, plain_key: str, count: FoldedPeek, defer_touch: bool = False
) -> tuple[PartnerApiKey | None, int]:
    """authenticate_api_key() and a rate counter's value (rate_counters.folded_peek) in one statement:
    every API request reads its address's failed authentications, and a round trip of its own cost a
    seventh of a short list's time on PostgreSQL (docs/perf.md)."""
    alias = PartnerApiKey.objects.db
    connection = connections[alias]
    key_hash = hash_key(plain_key) if plain_key and len(plain_key) <= 200 else ""
    with connection.cursor() as cursor:
        cursor.execute(_key_lookup_sql(connection, extra=count.sql), [*count.params, key_hash])
        *row, counted = cursor.fetchone()
    key = _key_of_row(
        row if row[0] is not None else None, key_hash=key_hash, alias=alias, defer_touch=defer_touch
    )
    return key, counted or 0


def _key_of_row(row: Any, *, key_hash: str, alias: str, defer_touch: bool) -> PartnerApiKey | None:
    if row is None:
        return None
    key_id, partner_id, label, prefix, can_write, last_used_at, partner_name = row
    if last_used_at is not None and last_used_at.tzinfo is None:
        last_used_at = last_used_at.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    partner = _loaded(Partner, alias, {"id": partner_id, "name": partner_name})
    # The hash matched and it is not revoked; created_at (not read) loads lazily if ever asked for.
    api_key = _loaded(
        PartnerApiKey,
        alias,
        {
            "id": key_id,
            "partner_id": partner_id,
            "name": label,
            "prefix": prefix,
            "key_hash": key_hash,
            "can_write": bool(can_write),
            "revoked_at": None,
            "last_used_at": last_used_at,
        },
    )
    PartnerApiKey.partner.field.set_cached_value(api_key, partner)
    now = timezone.now()
    api_key.touch_due = None
    if last_used_at is None or (now - last_used_at).total_seconds() >= settings.PARTNER_KEY_TOUCH_SECONDS:
        if defer_touch:
            api_key.touch_due = now
        else:
            touch_api_key(key_id=api_key.pk, when=now)
        api_key.last_used_at = now
    return api_key


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
