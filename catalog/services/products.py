"""Mirror the Tribute product catalog into `Product`.

One sync = one complete, consistent fetch of every page (size 100), then one atomic write: a failure
anywhere leaves the previous catalog as it was. Only rows whose mirrored fields changed are written
(a repeat sync of an unchanged feed writes nothing, not even `updated_at`); products gone from the
feed get `removed_at`, and are restored if they come back. Nothing is ever deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import FEED_LANGUAGE, Product, SyncRun, SyncSource
from catalog.services.progress import ProgressCallback
from catalog.services.sync_runs import mark_removed, record_counts, tracked_run
from giftoffice.integrations.tribute import MAX_PAGE_SIZE, TributeClient, TributeProduct

NAME_FIELD = f"name_{FEED_LANGUAGE}"
DESCRIPTION_FIELD = f"description_{FEED_LANGUAGE}"
# Our columns that mirror the feed; staff-owned columns (other languages) are never written by a sync.
MIRRORED_FIELDS = (
    "type",
    NAME_FIELD,
    DESCRIPTION_FIELD,
    "amount",
    "currency",
    "stars_amount",
    "stars_amount_enabled",
    "status",
    "is_custom",
    "accept_cards",
    "accept_wallet_pay",
    "protect_content",
    "pending_orders",
    "image_url",
    "link",
    "web_link",
    "remote_created",
    "remote_updated",
)
_TEXT_FIELDS = {NAME_FIELD, DESCRIPTION_FIELD}
BATCH_SIZE = 500


@dataclass(frozen=True)
class ProductChange:
    action: str  # "create", "update", "restore" or "remove"
    remote_id: int
    name: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (old, new)

    def describe(self) -> str:
        head = f"{self.action} {self.remote_id} {self.name!r}"
        if not self.fields:
            return head
        diffs = ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in self.fields.items())
        return f"{head}: {diffs}"


@dataclass
class ProductSyncPlan:
    fetched: int = 0
    unchanged: int = 0
    writes: list[Product] = field(default_factory=list)  # created, changed and restored rows
    removals: list[int] = field(default_factory=list)  # remote ids to mark removed
    changes: list[ProductChange] = field(default_factory=list)

    def count(self, *actions: str) -> int:
        return sum(1 for change in self.changes if change.action in actions)


def mirrored_values(product: TributeProduct) -> dict[str, Any]:
    return {
        "type": product.type,
        NAME_FIELD: product.name,
        DESCRIPTION_FIELD: product.description,
        "amount": product.amount,
        "currency": product.currency,
        "stars_amount": product.stars_amount,
        "stars_amount_enabled": product.stars_amount_enabled,
        "status": product.status,
        "is_custom": product.is_custom,
        "accept_cards": product.accept_cards,
        "accept_wallet_pay": product.accept_wallet_pay,
        "protect_content": product.protect_content,
        "pending_orders": product.pending_orders,
        "image_url": product.image_url,
        "link": product.link,
        "web_link": product.web_link,
        "remote_created": product.created,
        "remote_updated": product.updated,
    }


def _normalise(name: str, value: Any) -> Any:
    if name in _TEXT_FIELDS and value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if timezone.is_aware(value) else value
    return value


def plan_product_sync(*, remote: Iterable[TributeProduct], now: datetime) -> ProductSyncPlan:
    """Compare the feed with the mirror and list what a sync would write (reads only)."""
    existing = {
        row["remote_id"]: row for row in Product.objects.values("remote_id", "removed_at", *MIRRORED_FIELDS)
    }
    plan = ProductSyncPlan()
    seen: set[int] = set()
    for product in remote:
        seen.add(product.id)
        plan.fetched += 1
        values = mirrored_values(product)
        row = existing.get(product.id)
        if row is None:
            plan.changes.append(ProductChange("create", product.id, product.name))
            plan.writes.append(Product(remote_id=product.id, updated_at=now, removed_at=None, **values))
            continue
        diffs = {
            name: (row[name], value)
            for name, value in values.items()
            if _normalise(name, row[name]) != _normalise(name, value)
        }
        restored = row["removed_at"] is not None
        if not diffs and not restored:
            plan.unchanged += 1
            continue
        plan.changes.append(
            ProductChange("restore" if restored else "update", product.id, product.name, diffs)
        )
        plan.writes.append(Product(remote_id=product.id, updated_at=now, removed_at=None, **values))
    for remote_id, row in existing.items():
        if remote_id not in seen and row["removed_at"] is None:
            plan.removals.append(remote_id)
            plan.changes.append(ProductChange("remove", remote_id, row[NAME_FIELD] or ""))
    return plan


@transaction.atomic
def apply_product_sync(*, plan: ProductSyncPlan, now: datetime) -> None:
    """One transaction: creates and changes as an upsert (safe if another sync created a row since the
    plan was made), then the removals."""
    if plan.writes:
        Product.objects.bulk_create(
            plan.writes,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["remote_id"],
            update_fields=[*MIRRORED_FIELDS, "removed_at", "updated_at"],
        )
    mark_removed(
        Product.objects.filter(removed_at__isnull=True), field="remote_id", values=plan.removals, now=now
    )


def sync_products(
    *,
    run: SyncRun | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    on_plan: Callable[[ProductSyncPlan], None] | None = None,
    client: TributeClient | None = None,
) -> SyncRun:
    """Fetch the whole Tribute catalog, then write what changed (nothing at all with `dry_run`).

    `progress(fetched, total)` is called after each page; `on_plan(plan)` before anything is written.
    """
    with tracked_run(source=SyncSource.TRIBUTE_PRODUCTS, run=run, dry_run=dry_run) as current:
        remote = (client or TributeClient()).fetch_all(size=MAX_PAGE_SIZE, on_page=progress)
        now = timezone.now()
        plan = plan_product_sync(remote=remote, now=now)
        if on_plan is not None:
            on_plan(plan)
        if not dry_run:
            apply_product_sync(plan=plan, now=now)
        record_counts(
            current,
            fetched=plan.fetched,
            created=plan.count("create"),
            updated=plan.count("update", "restore"),
            unchanged=plan.unchanged,
            removed=len(plan.removals),
        )
    return current
