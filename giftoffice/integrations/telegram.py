"""Telegram Bot API client for gift marketplaces (telegram-gift-marketplaces.md): reportGiftPurchase.

The bot token is part of the URL path (`/bot<token>/sendCustomRequest`), so it would show up wherever a
URL is logged: our own log lines are redacted by BaseClient, and `giftoffice.logredact` scrubs
`/bot<anything>/` from the HTTP library's debug log as well.

Repeating a report is safe: Telegram refuses a transaction_id it has already recorded. So the call is
retried like a read (5xx, timeouts, 429 after `parameters.retry_after`), and a "duplicate" answer is
recognisable (`DuplicateTransactionError`, code TRANSACTION_ID_DUPLICATE): for our own unique
transaction ids it means the report is already on Telegram's side.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Unpack

import requests
from django.conf import settings

from giftoffice.integrations.base import (
    BadResponseError,
    BaseClient,
    ClientOptions,
    RejectedError,
    UnavailableError,
)
from giftoffice.logredact import install_bot_token_redaction

CURRENCIES = ("USD", "TON")
SALE_TYPES = ("listing", "offer", "auction")
DUPLICATE_CODE = "TRANSACTION_ID_DUPLICATE"

# "Bad Request: STARGIFT_INVALID" or "Bad Request: TRANSACTION_ID_DUPLICATE: ...": the Bot API's own code.
_DESCRIPTION_CODE = re.compile(r"^[^:]+:\s*([A-Z][A-Z0-9_]+)(?::|$)")


# urllib3 logs every request line (with the path) at DEBUG.
install_bot_token_redaction("urllib3.connectionpool")


class DuplicateTransactionError(RejectedError):
    """Telegram already holds a report with this transaction_id."""


class ReportOutcome(enum.StrEnum):
    REPORTED = "reported"
    ALREADY_REPORTED = "already_reported"


@dataclass(frozen=True)
class GiftPurchaseReport:
    """reportGiftPurchase parameters. `amount` in the currency's smallest unit (cents, nanotons)."""

    transaction_id: str
    transaction_date: int
    amount: int
    currency: str
    buyer_id: int
    gift_name: str | None = None
    gift_names: tuple[str, ...] | None = None
    sale_type: str = "listing"
    seller_id: int | None = None
    recipient_id: int | None = None

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.transaction_id, str) or not 1 <= len(self.transaction_id) <= 64:
            problems.append("transaction_id must be 1-64 characters")
        if self.currency not in CURRENCIES:
            problems.append("currency must be USD or TON")
        if self.sale_type not in SALE_TYPES:
            problems.append("sale_type must be listing, offer or auction")
        if (self.gift_name is None) == (self.gift_names is None):
            problems.append("exactly one of gift_name and gift_names must be given")
        if self.gift_name is not None and (not isinstance(self.gift_name, str) or not self.gift_name.strip()):
            problems.append("gift_name must not be empty")
        if self.gift_names is not None and not self.gift_names:
            problems.append("gift_names must not be empty")
        if self.gift_names and not all(isinstance(n, str) and n.strip() for n in self.gift_names):
            problems.append("gift_names must not hold an empty name")
        for name in ("transaction_date", "amount", "buyer_id", "seller_id", "recipient_id"):
            value = getattr(self, name)
            if value is None and name in ("transaction_date", "amount", "buyer_id"):
                problems.append(f"{name} is required")
            elif value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                problems.append(f"{name} must be an integer")
            elif name in ("transaction_date", "amount") and value <= 0:
                # Telegram refuses these too; a zero or negative amount is a conversion bug of ours.
                problems.append(f"{name} must be positive")
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_parameters(cls, params: Mapping[str, Any]) -> GiftPurchaseReport:
        """The report of a stored `parameters` object (the outbox's frozen payload), checked again."""
        names = params.get("gift_names")
        return cls(
            transaction_id=params.get("transaction_id"),  # type: ignore[arg-type]
            transaction_date=params.get("transaction_date"),  # type: ignore[arg-type]
            amount=params.get("amount"),  # type: ignore[arg-type]
            currency=params.get("currency"),  # type: ignore[arg-type]
            buyer_id=params.get("buyer_id"),  # type: ignore[arg-type]
            gift_name=params.get("gift_name"),
            gift_names=tuple(names) if isinstance(names, list | tuple) else names,
            sale_type=params.get("sale_type", "listing"),
            seller_id=params.get("seller_id"),
            recipient_id=params.get("recipient_id"),
        )

    def to_parameters(self) -> dict[str, Any]:
        """In the field order of the spec's examples, so a stored payload reads like the document."""
        params: dict[str, Any] = {
            "transaction_id": self.transaction_id,
            "transaction_date": self.transaction_date,
            "amount": self.amount,
            "currency": self.currency,
            "sale_type": self.sale_type,
        }
        if self.gift_name is not None:
            params["gift_name"] = self.gift_name
        else:
            params["gift_names"] = list(self.gift_names or ())
        params["buyer_id"] = self.buyer_id
        for name in ("recipient_id", "seller_id"):
            if getattr(self, name) is not None:
                params[name] = getattr(self, name)
        return params


class TelegramClient(BaseClient):
    provider = "telegram"

    def __init__(
        self, *, base_url: str | None = None, bot_token: str | None = None, **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__(base_url=base_url or settings.TELEGRAM_API_BASE, **options)
        self.bot_token = settings.TELEGRAM_BOT_TOKEN if bot_token is None else bot_token

    def secrets(self) -> Iterable[str]:
        return [self.bot_token]

    def __repr__(self) -> str:
        return f"<TelegramClient {self.base_url}>"

    def raise_for_error(self, response: requests.Response, payload: Any) -> None:
        description = self.redact(self.error_message(payload) or response.reason or "error")
        status = response.status_code
        if status == 429:
            raise UnavailableError(
                description, provider=self.provider, status=status, retry_after=_retry_after(payload)
            )
        if status == 400 and (DUPLICATE_CODE in description or "already reported" in description):
            raise DuplicateTransactionError(
                description, code=DUPLICATE_CODE, provider=self.provider, status=status, details=payload
            )
        super().raise_for_error(response, payload)

    def error_code(self, payload: Any) -> str:
        """The envelope's error_code is only the HTTP status again; the Bot API's own code, when there
        is one, heads the description."""
        description = payload.get("description") if isinstance(payload, Mapping) else None
        match = _DESCRIPTION_CODE.match(description) if isinstance(description, str) else None
        return match.group(1) if match else ""

    def report_gift_purchase(
        self, report: GiftPurchaseReport, *, duplicate_ok: bool = False
    ) -> ReportOutcome:
        """Report one completed purchase. A duplicate answered to a retry means an earlier try of this
        call got through (a 500 or timeout after Telegram recorded it): that is done, always. A duplicate
        on the first try raises DuplicateTransactionError unless `duplicate_ok` (the caller knows the
        transaction_id may have been reported by an earlier call)."""
        try:
            payload = self.request(
                "POST",
                f"bot{self.bot_token}/sendCustomRequest",
                json={"method": "reportGiftPurchase", "parameters": report.to_parameters()},
                idempotent=True,  # Telegram deduplicates by transaction_id
            )
        except DuplicateTransactionError as exc:
            if duplicate_ok or exc.attempt > 1:
                return ReportOutcome.ALREADY_REPORTED
            raise
        if not isinstance(payload, Mapping) or payload.get("ok") is not True:
            raise BadResponseError("answer is not a successful Bot API envelope", provider=self.provider)
        if payload.get("result") is not True:
            raise BadResponseError(f"unexpected result {payload.get('result')!r}", provider=self.provider)
        return ReportOutcome.REPORTED


def _retry_after(payload: Any) -> float | None:
    if isinstance(payload, Mapping):
        params = payload.get("parameters")
        if isinstance(params, Mapping):
            value = params.get("retry_after")
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                return float(value)
    return None
