"""Supplier balances: read by a scheduled task (and `gamesdrop_balance`), stored with the time of the
read, and shown from the database. No admin page waits on a supplier: a supplier that hangs costs the
background task its timeout, not staff their index page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from giftoffice.integrations import gamesdrop
from giftoffice.integrations.base import IntegrationError
from orders.models import BalanceReading, Supplier

__all__ = [
    "BalanceInfo",
    "enqueue_refresh",
    "gamesdrop_balance",
    "refresh_balances",
    "refresh_gamesdrop_balance",
]

ERROR_LENGTH = 500


@dataclass(frozen=True)
class BalanceInfo:
    balance: Decimal
    draft_balance: Decimal
    currency: str
    is_postpaid: bool
    profile: str
    threshold: Decimal

    @property
    def low(self) -> bool:
        return not self.is_postpaid and self.balance < self.threshold

    def line(self) -> str:
        kind = "postpaid" if self.is_postpaid else "prepaid"
        return (
            f"balance {self.balance:.2f} {self.currency}, "
            f"draftBalance {self.draft_balance:.2f} {self.currency} ({kind}, profile {self.profile})"
        )

    @classmethod
    def from_reading(cls, reading: BalanceReading) -> BalanceInfo:
        return cls(
            balance=reading.balance,
            draft_balance=reading.draft_balance,
            currency=reading.currency,
            is_postpaid=reading.is_postpaid,
            profile=reading.profile,
            threshold=low_balance_threshold(),
        )


def low_balance_threshold() -> Decimal:
    return Decimal(str(settings.GAMESDROP_LOW_BALANCE_USD))


def gamesdrop_balance(*, client: gamesdrop.GamesDropClient | None = None) -> BalanceInfo:
    """A live read, not stored (raises the client's IntegrationError)."""
    answer = (client or gamesdrop.client()).balance()
    return BalanceInfo(
        balance=answer.balance,
        draft_balance=answer.draft_balance,
        currency=answer.currency,
        is_postpaid=answer.is_postpaid,
        profile=answer.balance_profile.value,
        threshold=low_balance_threshold(),
    )


def refresh_gamesdrop_balance(*, client: gamesdrop.GamesDropClient | None = None) -> BalanceReading:
    """Read GamesDrop's balance and store the reading; a failed read is stored too, with its error,
    so staff see since when the balance is unknown. Never raises for a supplier error."""
    try:
        info = gamesdrop_balance(client=client)
    except IntegrationError as exc:
        return BalanceReading.objects.create(
            supplier=Supplier.GAMESDROP, read_at=timezone.now(), ok=False, error=str(exc)[:ERROR_LENGTH]
        )
    return BalanceReading.objects.create(
        supplier=Supplier.GAMESDROP,
        read_at=timezone.now(),
        balance=info.balance,
        draft_balance=info.draft_balance,
        currency=info.currency,
        is_postpaid=info.is_postpaid,
        profile=info.profile,
    )


def refresh_balances() -> str:
    """The scheduled task (and a staff member's "Refresh"): every supplier balance there is to read."""
    return str(refresh_gamesdrop_balance())


def enqueue_refresh() -> None:
    """Read the balances in the background, once the caller's transaction commits."""
    transaction.on_commit(
        lambda: async_task(refresh_balances, task_name="refresh-supplier-balances", group="balances")
    )
