"""The GamesDrop balance as staff see it: on the admin index and from `gamesdrop_balance`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from giftoffice.integrations import gamesdrop

__all__ = ["BalanceInfo", "gamesdrop_balance"]


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


def gamesdrop_balance(*, client: gamesdrop.GamesDropClient | None = None) -> BalanceInfo:
    answer = (client or gamesdrop.client()).balance()
    return BalanceInfo(
        balance=answer.balance,
        draft_balance=answer.draft_balance,
        currency=answer.currency,
        is_postpaid=answer.is_postpaid,
        profile=answer.balance_profile.value,
        threshold=Decimal(str(settings.GAMESDROP_LOW_BALANCE_USD)),
    )
