"""Every door that buys is idempotent: one key, one purchase.

The confirmation pages of "Send to Telegram users…", "Buy…" and "Sell…" carry a one-time token made
with the page (`new_token`); `send_telegram_gift` and `buy_offer` take `--idempotency-key KEY`. Both
go through `once`: it inserts the key's row FIRST, in the transaction that creates the sale or the
campaign, under the unique constraint on the key. A second use of the key, sequential or concurrent,
creates nothing: a concurrent insert waits for the first transaction and then fails on the constraint,
and the caller is given the first use's row (its sale or campaign) to show instead.

A key belongs to the user who used it first and to one kind of purchase: anyone else presenting it,
or the same user for another kind, is refused.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from orders.models import Campaign, CampaignRun, PurchaseKey, Sale, SupplierOrder
from orders.models.keys import KEY_MAX
from orders.services.sales import SaleInputError

__all__ = [
    "KEY_MAX",
    "Once",
    "PurchaseKeyError",
    "check_key",
    "first_order",
    "first_run",
    "new_token",
    "once",
    "used",
]

KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]+", re.ASCII)

T = TypeVar("T", Sale, SupplierOrder, Campaign, CampaignRun)


class PurchaseKeyError(SaleInputError):
    """A key refused: malformed, missing, or another user's or another kind's."""


@dataclass(frozen=True)
class Once(Generic[T]):
    key: PurchaseKey  # the key's row: `sale` / `campaign` is what its first use made
    made: T | None  # what this call made; None when the key had been used already

    @property
    def repeated(self) -> bool:
        return self.made is None


def new_token() -> str:
    """A confirmation page's one-time token (URL-safe, unguessable)."""
    return secrets.token_urlsafe(24)


def check_key(key: str | None) -> str:
    """The key, or PurchaseKeyError: a missing token is a page that did not come from our preview."""
    text = (key or "").strip()
    if not text:
        raise PurchaseKeyError(
            _("this confirmation carries no one-time token: nothing was bought; check again and confirm")
        )
    if len(text) > KEY_MAX or not KEY_PATTERN.fullmatch(text):
        raise PurchaseKeyError(
            _("idempotency key %(key)s refused: up to %(max)s characters of A-Z, a-z, 0-9 and . _ : -"),
            key=repr(text[:40]),
            max=KEY_MAX,
        )
    return text


def used(*, key: str, kind: str, user: Any = None) -> PurchaseKey | None:
    """The key's row if it has been used (by this user, for this kind); None if it is still free."""
    row = PurchaseKey.objects.select_related("sale", "campaign").filter(key=check_key(key)).first()
    if row is not None:
        _check_owner(row, kind=kind, user=user)
    return row


def once(*, key: str, kind: str, user: Any = None, make: Callable[[], T]) -> Once[T]:
    """`make()` run once per key: in one transaction, the key's row first, then what `make` creates.

    A key already used returns its row and runs nothing. `make` must not call the network (the key's
    row is locked until the commit); it may queue work with `transaction.on_commit`.
    """
    key = check_key(key)
    owner = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = PurchaseKey.objects.create(key=key, kind=kind, created_by=owner)
        except IntegrityError:
            # A rival use committed first (a concurrent insert waited for it): show what it made.
            row = PurchaseKey.objects.select_related("sale", "campaign").get(key=key)
            _check_owner(row, kind=kind, user=user)
            return Once(key=row, made=None)
        made = make()
        _link(row, made)
        row.save(update_fields=["sale", "campaign"])
    return Once(key=row, made=made)


def first_order(row: PurchaseKey) -> SupplierOrder | None:
    """The supplier order of the key's sale (a Buy or a Sell is one order)."""
    if row.sale_id is None:
        return None
    return SupplierOrder.objects.filter(sale_id=row.sale_id).order_by("pk").first()


def first_run(row: PurchaseKey) -> CampaignRun | None:
    """The first run of the key's campaign (its progress page)."""
    if row.campaign_id is None:
        return None
    return CampaignRun.objects.filter(campaign_id=row.campaign_id).order_by("pk").first()


def _check_owner(row: PurchaseKey, *, kind: str, user: Any) -> None:
    owner = user.pk if getattr(user, "pk", None) else None
    if row.kind != kind or row.created_by_id != owner:
        raise PurchaseKeyError(
            _("this one-time key was used for another purchase or by someone else: nothing was bought")
        )


def _link(row: PurchaseKey, made: Any) -> None:
    if isinstance(made, SupplierOrder):
        row.sale_id = made.sale_id
    elif isinstance(made, Sale):
        row.sale = made
    elif isinstance(made, CampaignRun):
        row.campaign_id = made.campaign_id
    elif isinstance(made, Campaign):
        row.campaign = made
    else:
        raise TypeError(f"a purchase key cannot record {type(made).__name__}")
