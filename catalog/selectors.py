"""Read-side queries of the catalog (the partner API's list, the admin's filters)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from catalog.models import Gift


@dataclass(frozen=True)
class GiftListStats:
    """What identifies a list's content: any create/update/delete moves at least one of these."""

    count: int
    last_updated: datetime | None
    max_id: int | None


def gift_list_queryset(*, active: bool | None = None, updated_since: datetime | None = None) -> QuerySet[Gift]:
    """Gifts for the partner API list, ordered by id (stable limit/offset pages)."""
    queryset = Gift.objects.all()
    if active is not None:
        queryset = queryset.filter(active=active)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    return queryset.order_by("id")


def gift_list_stats(queryset: QuerySet[Gift]) -> GiftListStats:
    """One aggregate query: the total for X-Total-Count and the inputs of the ETag."""
    row = queryset.order_by().aggregate(count=Count("id"), last_updated=Max("updated_at"), max_id=Max("id"))
    return GiftListStats(count=row["count"], last_updated=row["last_updated"], max_id=row["max_id"])


def gift_list_etag(stats: GiftListStats, *, variant: str) -> str:
    """Strong ETag of a list response. `variant` carries what else shapes the body (filters, page,
    media URL prefix); TIME_ZONE is included because it changes every datetime on the wire."""
    last = stats.last_updated.isoformat() if stats.last_updated else ""
    raw = f"v1|{stats.count}|{last}|{stats.max_id}|{settings.TIME_ZONE}|{variant}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def live_gifts_q(*, now: datetime | None = None) -> Q:
    """Gifts shown right now: active and inside their time window."""
    now = now or timezone.now()
    return Q(active=True, start_time__lte=now, removal_time__gt=now)


def missing_translation_q(language: str) -> Q:
    """Gifts missing name, description or link in `language` (null or empty)."""
    query = Q()
    for field in ("name", "description", "link"):
        column = f"{field}_{language}"
        query |= Q(**{f"{column}__isnull": True}) | Q(**{column: ""})
    return query


def missing_translations(gift: Gift) -> dict[str, list[str]]:
    """{language: [fields missing]} among name, description, link, for the admin's completeness column."""
    missing: dict[str, list[str]] = {}
    for language in settings.LANGUAGE_CODES:
        fields = [f for f in ("name", "description", "link") if not getattr(gift, f"{f}_{language}")]
        if fields:
            missing[language] = fields
    return missing
