"""Partner API keys: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from catalog.models import Partner, PartnerApiKey

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


def revoke_api_key(*, api_key: PartnerApiKey) -> bool:
    """Revoke now; False if it already was. Requests with it get 401 from the next one on."""
    updated = PartnerApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    api_key.refresh_from_db(fields=["revoked_at"])
    return bool(updated)


def authenticate_api_key(*, plain_key: str) -> PartnerApiKey | None:
    """The active key matching `plain_key` (its partner attached), or None.

    One indexed lookup in plain SQL (every API request pays it; an ORM query costs several times more
    to build than to run). last_used_at is written at most every PARTNER_KEY_TOUCH_SECONDS, so reads
    do not turn into writes.
    """
    if not plain_key or len(plain_key) > 200:
        return None
    connection = connections[PartnerApiKey.objects.db]
    qn = connection.ops.quote_name
    keys, partners = qn(PartnerApiKey._meta.db_table), qn(Partner._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.{qn('id')}, k.{qn('partner_id')}, k.{qn('name')}, k.{qn('prefix')}, "  # noqa: S608
            f"k.{qn('can_write')}, k.{qn('last_used_at')}, p.{qn('name')} "
            f"FROM {keys} k INNER JOIN {partners} p ON p.{qn('id')} = k.{qn('partner_id')} "
            f"WHERE k.{qn('key_hash')} = %s AND k.{qn('revoked_at')} IS NULL",
            [hash_key(plain_key)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    key_id, partner_id, label, prefix, can_write, last_used_at, partner_name = row
    if last_used_at is not None and timezone.is_naive(last_used_at):
        last_used_at = last_used_at.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    api_key = PartnerApiKey(
        id=key_id,
        partner_id=partner_id,
        name=label,
        prefix=prefix,
        can_write=bool(can_write),
        last_used_at=last_used_at,
    )
    api_key.partner = Partner(id=partner_id, name=partner_name)
    now = timezone.now()
    touch_every = timedelta(seconds=settings.PARTNER_KEY_TOUCH_SECONDS)
    if last_used_at is None or now - last_used_at >= touch_every:
        PartnerApiKey.objects.filter(pk=key_id).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
