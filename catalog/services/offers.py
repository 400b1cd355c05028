"""Mirror the GamesDrop catalog into `Offer`: sync by pages, refresh single prices, flag price moves.

The sync fetches the whole feed first and writes after, in one transaction, so a failure at any page
leaves the previous catalog as it was. Rows equal to what we hold are not written at all (their
`updated_at` stays put). Offers missing from an unfiltered feed are marked removed, never deleted.
Writes are `executemany` statements built from the model's own columns: `bulk_create` of 100,000
offers costs several times the whole sync (see bench/sync_offers.py).

The API has no ETag or "changed since", so a full sync fingerprints the feed it read (a digest of every
page) and remembers it with a stamp of the table written (`OfferFeedState`). When the next full feed has
the same fingerprint and nothing else wrote to the table meanwhile, the row-by-row compare is skipped:
it could only have found every row unchanged.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from catalog.models import Offer, OfferFeedState, OfferPriceChange, SyncRun, SyncSource
from catalog.models.offers import PRICE_PLACES
from catalog.selectors.offer_sync import offer_rows
from catalog.services.progress import ProgressCallback
from catalog.services.sync_runs import mark_removed, record_counts, tracked_run, update_in_chunks
from giftoffice.db import advisory_xact_lock
from giftoffice.integrations import gamesdrop
from giftoffice.integrations.base import (
    AuthError,
    CatalogChangedError,  # noqa: F401  (re-exported: callers catch it from here)
    IntegrationError,
    RejectedError,
    fetch_snapshot,
)
from giftoffice.rows import insert_many, update_many

# Supplier-owned columns, in the order of the comparison tuples below.
SUPPLIER_FIELDS = (
    "product_id",
    "product_name",
    "name",
    "category",
    "supplier_price",
    "currency",
    "in_stock",
    "settlement_method",
    "requires_game_user_id",
    "requires_game_server_id",
    "returns_key",
)
PRICE, CURRENCY = SUPPLIER_FIELDS.index("supplier_price"), SUPPLIER_FIELDS.index("currency")
CHUNK = 500  # ids per `IN (...)`, under SQLite's variable limit
PRICE_QUANTUM = Decimal(1).scaleb(-PRICE_PLACES)
FULL_FEED = "full"
FEED_FORMAT = "offers-v1"  # part of the feed fingerprint: bump when the row mapping changes


@dataclass(frozen=True, slots=True)
class OfferUpdate:
    pk: int
    offer_group_id: int
    old: tuple
    new: tuple
    was_removed: bool

    @property
    def changed_fields(self) -> list[str]:
        names = [name for name, a, b in zip(SUPPLIER_FIELDS, self.old, self.new, strict=True) if a != b]
        return [*names, "removed_at"] if self.was_removed else names

    @property
    def price_changed(self) -> bool:
        return self.old[PRICE] != self.new[PRICE] or self.old[CURRENCY] != self.new[CURRENCY]


@dataclass(frozen=True, slots=True)
class OfferRemoval:
    pk: int
    offer_group_id: int
    label: str


@dataclass
class OfferSyncPlan:
    """What a sync will write (or, in a dry run, would have written)."""

    full: bool
    fetched: int = 0
    creates: list[tuple] = field(default_factory=list)  # (offer_group_id, *SUPPLIER_FIELDS values)
    updates: list[OfferUpdate] = field(default_factory=list)
    removals: list[OfferRemoval] = field(default_factory=list)
    unchanged: int = 0
    skipped: bool = False  # the feed and the table were as the last full sync left them

    def describe(self, *, limit: int = 20) -> list[str]:
        """Human lines for `--dry-run`: each change, at most `limit` per kind."""
        lines: list[str] = []
        for values in self.creates[:limit]:
            lines.append(f"+ create #{values[0]} {values[2]} — {values[3]}: {_show(values[5])} {values[6]}")
        _more(lines, self.creates, limit, "creates")
        for update in self.updates[:limit]:
            diffs = []
            for name in update.changed_fields:
                if name == "removed_at":
                    diffs.append("back in the feed")
                    continue
                i = SUPPLIER_FIELDS.index(name)
                diffs.append(f"{name} {_show(update.old[i])} -> {_show(update.new[i])}")
            lines.append(
                f"~ update #{update.offer_group_id} {update.new[1]} — {update.new[2]}: {'; '.join(diffs)}"
            )
        _more(lines, self.updates, limit, "updates")
        for removal in self.removals[:limit]:
            lines.append(f"- remove #{removal.offer_group_id} {removal.label}")
        _more(lines, self.removals, limit, "removals")
        return lines


def _show(value: Any) -> str:
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


def _more(lines: list[str], items: Sequence, limit: int, what: str) -> None:
    if len(items) > limit:
        lines.append(f"  ... and {len(items) - limit} more {what}")


# --- fetching -------------------------------------------------------------------------------------


@dataclass
class Feed:
    """Every page of one complete, consistent pass over the feed."""

    pages: list[gamesdrop.SyncPage]
    count: int
    fingerprint: str

    def rows(self) -> Iterator[gamesdrop.SyncRow]:
        for page in self.pages:
            yield from page.rows


def fetch_feed(
    *,
    client: gamesdrop.GamesDropClient,
    category: str | None,
    search: str | None,
    page_size: int,
    progress: ProgressCallback | None = None,
) -> Feed:
    """Every page of one consistent pass over the feed (see `fetch_snapshot`: a moving `count`,
    rows that do not add up to it or a repeated offerGroupId restart the paging, 3 passes at most,
    then CatalogChangedError). The pages are kept as received so that the feed's fingerprint, a
    digest of every page, can tell the next sync nothing changed."""
    pages = fetch_snapshot(
        lambda: client.iter_sync_pages(limit=page_size, category=category, search=search),
        total_of=lambda page: page.count,
        ids_of=lambda page: page.offer_ids,
        provider="gamesdrop",
        on_page=progress,
    )
    count = sum(len(page.raw_rows) for page in pages)
    digest = hashlib.blake2b(
        f"{FEED_FORMAT}|{page_size}|{category}|{search}|{count}".encode(), digest_size=32
    )
    for page in pages:
        digest.update(page.fingerprint())
    return Feed(pages=pages, count=count, fingerprint=digest.hexdigest())


# --- planning -------------------------------------------------------------------------------------


def _existing() -> dict[int, tuple]:
    """offer_group_id -> (pk, removed?, *SUPPLIER_FIELDS), read with one plain SELECT (the ORM's
    per-value converters cost more than the rest of an unchanged sync)."""
    price = 3 + PRICE
    result: dict[int, tuple] = {}
    for row in offer_rows(fields=SUPPLIER_FIELDS):
        value = row[price]
        if type(value) is not Decimal:  # SQLite hands back float/int
            value = Decimal(repr(value))
        result[row[1]] = (row[0], bool(row[2]), *row[3:price], value, *row[price + 1 :])
    return result


def catalog_stamp() -> str:
    """Changes with every write to the offer table (each write sets updated_at) and every delete."""
    found = Offer.objects.aggregate(n=Count("id"), top=Max("id"), last=Max("updated_at"))
    last = found["last"].isoformat() if found["last"] else "-"
    return f"{found['n']}:{found['top']}:{last}"


def _feed_unchanged(feed: Feed) -> bool:
    state = OfferFeedState.objects.filter(key=FULL_FEED).first()
    return (
        state is not None
        and state.feed_fingerprint == feed.fingerprint
        and state.catalog_stamp == catalog_stamp()
    )


def _remember_feed(feed: Feed) -> None:
    OfferFeedState.objects.update_or_create(
        key=FULL_FEED,
        defaults={"feed_fingerprint": feed.fingerprint, "catalog_stamp": catalog_stamp(), "rows": feed.count},
    )


def stored_price(price: Decimal) -> Decimal:
    """The supplier price as the column keeps it (PRICE_PLACES decimals). Compare this, not the raw
    price, or a price with more places (Telegram Stars: 0.00771234) "changes" on every sync/refresh."""
    if price.as_tuple().exponent < -PRICE_PLACES:
        return price.quantize(PRICE_QUANTUM, ROUND_HALF_UP)
    return price


def plan_sync(rows: Iterable[gamesdrop.SyncRow], *, existing: dict[int, tuple], full: bool) -> OfferSyncPlan:
    """Compare the feed with what we hold. Fields a feed row leaves out (None) keep their value."""
    plan = OfferSyncPlan(full=full)
    seen: set[int] = set()
    for row in rows:
        plan.fetched += 1
        gid = row.offer_group_id
        seen.add(gid)
        settlement = row.settlement_method
        new = (
            row.product_id,
            row.product_name,
            row.offer_group_name,
            row.category,
            stored_price(row.price),
            row.currency,
            row.in_stock,
            None if settlement is None else settlement.value,
            row.requires_game_user_id,
            row.requires_game_server_id,
            row.returns_key,
        )
        current = existing.get(gid)
        if current is None:
            plan.creates.append((gid, *(_fill(new, _DEFAULTS) if None in new else new)))
            continue
        old = current[2:]
        if None in new:
            new = _fill(new, old)
        if new == old and not current[1]:
            plan.unchanged += 1
        else:
            plan.updates.append(
                OfferUpdate(pk=current[0], offer_group_id=gid, old=old, new=new, was_removed=current[1])
            )
    if full:
        for gid, current in existing.items():
            if gid not in seen and not current[1]:
                plan.removals.append(
                    OfferRemoval(pk=current[0], offer_group_id=gid, label=f"{current[3]} — {current[4]}")
                )
    return plan


# New offers: a field the feed leaves out gets the column's default (product id and "returns a key"
# stay unknown); an existing offer keeps what it had.
_DEFAULTS = (None, "", "", "", None, "", True, "", False, False, None)


def _fill(new: tuple, fallback: tuple) -> tuple:
    return tuple(old if value is None else value for value, old in zip(new, fallback, strict=True))


def _plan(feed: Feed, *, full: bool) -> OfferSyncPlan:
    if full and _feed_unchanged(feed):
        return OfferSyncPlan(full=True, fetched=feed.count, unchanged=feed.count, skipped=True)
    return plan_sync(feed.rows(), existing=_existing(), full=full)


# --- writing --------------------------------------------------------------------------------------


def _apply(plan: OfferSyncPlan, *, run: SyncRun | None, now) -> None:
    stamp = connection.ops.adapt_datetimefield_value(now)
    if plan.creates:
        insert_many(
            Offer,
            fields=["offer_group_id", *SUPPLIER_FIELDS, "price_alert", "created_at", "updated_at"],
            rows=[(*values, False, stamp, stamp) for values in plan.creates],
        )
    if plan.updates:
        update_many(
            Offer,
            fields=[*SUPPLIER_FIELDS, "removed_at", "updated_at"],
            rows=[(*u.new, None, stamp, u.pk) for u in plan.updates],
        )
    mark_removed(Offer.objects.all(), field="pk", values=[r.pk for r in plan.removals], now=now)
    _record_price_changes([u for u in plan.updates if u.price_changed], run=run, now=now, source="sync")


def _record_price_changes(changes: list[OfferUpdate], *, run: SyncRun | None, now, source: str) -> None:
    threshold = Decimal(str(settings.OFFER_PRICE_ALERT_PERCENT))
    records, alerts = [], []
    for change in changes:
        old_price, new_price = change.old[PRICE], change.new[PRICE]
        same_currency = change.old[CURRENCY] == change.new[CURRENCY]
        percent = None
        if same_currency and old_price:
            percent = ((new_price - old_price) * 100 / old_price).quantize(Decimal("0.01"), ROUND_HALF_UP)
        alert = percent is None or abs(percent) >= threshold
        if alert:
            alerts.append(change.pk)
        records.append(
            OfferPriceChange(
                offer_id=change.pk,
                old_price=old_price,
                new_price=new_price,
                old_currency=change.old[CURRENCY],
                currency=change.new[CURRENCY],
                change_percent=percent,
                alert=alert,
                source=source,
                sync_run=run,
                changed_at=now,
            )
        )
    OfferPriceChange.objects.bulk_create(records, batch_size=CHUNK)
    update_in_chunks(Offer.objects.all(), field="pk", values=[c.pk for c in changes], price_changed_at=now)
    update_in_chunks(Offer.objects.all(), field="pk", values=alerts, price_alert=True)


def _lock_catalog() -> None:
    """One sync writes at a time. SQLite's IMMEDIATE transactions already queue writers; PostgreSQL
    takes a transaction-scoped advisory lock, so a second sync plans against the first one's result."""
    if connection.vendor == "postgresql":
        advisory_xact_lock(connection, key=zlib.crc32(b"catalog.sync_offers"))


# --- the service ----------------------------------------------------------------------------------


class UnknownCategoryError(ValueError):
    """`--category` names no GamesDrop category: the feed would answer 0 offers and the sync "succeed"."""

    def __init__(self, category: str, known: Sequence[str]) -> None:
        aliases = ", ".join(gamesdrop.CATEGORY_ALIASES)
        super().__init__(f"unknown category {category!r}; known: {', '.join(known)} (aliases: {aliases})")
        self.category = category


def check_category(category: str) -> str:
    """`category` as given when it names a GamesDrop category (documented or seen in a feed); else
    UnknownCategoryError. Case and aliases are the supplier's business: the value is sent as typed."""
    seen = list(Offer.objects.exclude(category="").values_list("category", flat=True).distinct())
    if gamesdrop.canonical_category(category, also_known=seen) is None:
        raise UnknownCategoryError(category, sorted({*gamesdrop.CATEGORIES, *seen}))
    return category


def sync_offers(
    *,
    run: SyncRun | None = None,
    category: str | None = None,
    search: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    on_plan: Callable[[OfferSyncPlan], None] | None = None,
    client: gamesdrop.GamesDropClient | None = None,
    trigger: str = "command",
) -> SyncRun:
    """Sync the GamesDrop catalog into `Offer` and return the finished SyncRun.

    `category`/`search` narrow the feed (no removals then: a filtered feed says nothing about the rest).
    `dry_run` plans without writing; `on_plan` receives the plan either way.
    """
    if category:
        check_category(category)
    params = {k: v for k, v in (("category", category), ("search", search)) if v}
    with tracked_run(
        source=SyncSource.GAMESDROP_OFFERS, run=run, trigger=trigger, params=params, dry_run=dry_run
    ) as current:
        feed = fetch_feed(
            client=client or gamesdrop.client(),
            category=category,
            search=search,
            page_size=settings.GAMESDROP_SYNC_PAGE_SIZE,
            progress=progress,
        )
        full = not category and not search
        if dry_run:
            plan = _plan(feed, full=full)
        else:
            with transaction.atomic():
                _lock_catalog()
                plan = _plan(feed, full=full)
                if plan.creates or plan.updates or plan.removals:
                    _apply(plan, run=current, now=timezone.now())
                if full and not plan.skipped:
                    _remember_feed(feed)
        record_counts(
            current,
            fetched=plan.fetched,
            created=len(plan.creates),
            updated=len(plan.updates),
            unchanged=plan.unchanged,
            removed=len(plan.removals),
        )
        if on_plan is not None:
            on_plan(plan)
    return current


# --- price refresh (find-one) ---------------------------------------------------------------------


@dataclass
class RefreshResult:
    refreshed: int = 0
    changed: int = 0
    not_found: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the admin's message, in the active language."""
        parts = [
            gettext("refreshed %(count)d") % {"count": self.refreshed},
            gettext("price changed %(count)d") % {"count": self.changed},
        ]
        if self.not_found:
            parts.append(
                gettext("gone at the supplier (marked removed) %(count)d") % {"count": len(self.not_found)}
            )
        if self.failed:
            offer_id, error = next(iter(self.failed.items()))
            parts.append(
                gettext("failed %(count)d (#%(id)s: %(error)s)")
                % {"count": len(self.failed), "id": offer_id, "error": error}
            )
        return ", ".join(parts)


def refresh_offer_prices(
    *, offers: Iterable[Offer], client: gamesdrop.GamesDropClient | None = None
) -> RefreshResult:
    """Ask find-one for each offer's current price and names; an offer the supplier no longer shows us
    (OFFER_NOT_FOUND) is marked removed. A credentials error stops the whole refresh."""
    client = client or gamesdrop.client()
    result = RefreshResult()
    for offer in offers:
        try:
            info = client.find_one(offer.offer_group_id)
        except RejectedError as exc:
            if exc.code == "OFFER_NOT_FOUND":
                result.not_found.append(offer.offer_group_id)
                if offer.removed_at is None:
                    offer.removed_at = timezone.now()
                    offer.save(update_fields=["removed_at"])
                continue
            result.failed[offer.offer_group_id] = str(exc)
            continue
        except AuthError:
            raise
        except IntegrationError as exc:
            result.failed[offer.offer_group_id] = str(exc)
            continue
        result.refreshed += 1
        if _apply_find_one(offer, info):
            result.changed += 1
    return result


@transaction.atomic
def _apply_find_one(offer: Offer, info: gamesdrop.OfferInfo) -> bool:
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    old = tuple(getattr(offer, name) for name in SUPPLIER_FIELDS)
    changes: dict[str, Any] = {
        "product_name": info.product_name,
        "name": info.offer_name,
        "supplier_price": stored_price(info.price),
        "currency": info.currency,
    }
    if info.settlement_method is not None:
        changes["settlement_method"] = info.settlement_method.value
    if info.returns_key is not None:
        changes["returns_key"] = info.returns_key
    for name, value in changes.items():
        setattr(offer, name, value)
    new = tuple(getattr(offer, name) for name in SUPPLIER_FIELDS)
    price_changed = old[PRICE] != new[PRICE] or old[CURRENCY] != new[CURRENCY]
    fields = [name for name, a, b in zip(SUPPLIER_FIELDS, old, new, strict=True) if a != b]
    if offer.removed_at is not None:
        offer.removed_at = None
        fields.append("removed_at")
    if fields:
        offer.save(update_fields=fields)
    if price_changed:
        update = OfferUpdate(
            pk=offer.pk, offer_group_id=offer.offer_group_id, old=old, new=new, was_removed=False
        )
        _record_price_changes([update], run=None, now=timezone.now(), source="refresh")
    return price_changed


def apply_find_one(*, offer: Offer, info: gamesdrop.OfferInfo) -> bool:
    """Record a find-one answer obtained elsewhere (a purchase's price check); True if the price moved."""
    return _apply_find_one(offer, info)


# --- staff flags ----------------------------------------------------------------------------------


def clear_price_alerts(*, offers: QuerySet[Offer]) -> int:
    """Clear the price alert of the given offers in one UPDATE; returns how many were flagged.

    Deliberately not `save()`: that bumps `updated_at`, so the catalog stamp, so the next unchanged
    sync would lose its shortcut and compare every row. It must not: the compare reads only the
    supplier fields and `removed_at`, which this leaves alone, so the shortcut's promise ("it could
    only have found every row unchanged") still holds. Were a staff write to touch supplier fields,
    it would have to bump `updated_at`.
    """
    return offers.filter(price_alert=True).update(price_alert=False)
