# ruff: noqa: RUF001  (Russian wording of Giftly's balance refusal)
"""Giftly client (giftly.md): send a Telegram gift to a user id.

buyGift has no idempotency key: the same request sent twice sends (and pays for) two gifts. So it is
never retried, and any answer we did not get (timeout, dropped connection, 5xx, a 2xx other than 201)
raises OutcomeUnknownError: check the Giftly balance/history before trying again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Unpack

import requests
from django.conf import settings

from giftoffice.integrations.base import BadResponseError, BaseClient, ClientOptions, RejectedError

# RejectedError codes. Giftly answers errors with a `message` only; these are recognised from it.
INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
RECIPIENT_UNKNOWN = "RECIPIENT_UNKNOWN"
INVALID_GIFT = "INVALID_GIFT"
INVALID_RECIPIENT = "INVALID_RECIPIENT"
BAD_REQUEST = "BAD_REQUEST"

# The spec documents no error bodies, so an empty balance is recognised from its wording, English or
# Russian, in any case: any mention of the balance, or a word for money with one for its lack
# ("Insufficient balance", "not enough funds", "Недостаточно средств", "Пополните баланс"). Matching
# wide is the safe side: a refusal taken for an empty balance pauses a campaign with nothing sent, while
# an empty balance taken for a refusal of one recipient would cancel every recipient after it.
_MONEY = r"\b(funds?|money|credits?|средств|денег|деньг)"
_LACK = (
    r"\b(insufficient|not enough|too low|low\b|empty|exhausted|top.?up|"
    r"недостаточн|не хватает|нехватк|мало\b|исчерпан|закончил|пополн)"
)
_NO_BALANCE = re.compile(
    rf"\b(balance|баланс)|{_LACK}.*{_MONEY}|{_MONEY}.*{_LACK}", re.IGNORECASE | re.DOTALL
)

_MESSAGE_CODES = (
    ("not started the bot", RECIPIENT_UNKNOWN),
    ("write to the bot", RECIPIENT_UNKNOWN),
    ("gift_id", INVALID_GIFT),
    ("recipient", INVALID_RECIPIENT),
)


@dataclass(frozen=True)
class GiftOrder:
    recipient: str  # Telegram user id, digits
    gift_id: str
    text: str | None = None

    def __post_init__(self) -> None:
        if not str(self.recipient).isdigit():
            raise ValueError("recipient must be a numeric Telegram user id")
        if not self.gift_id:
            raise ValueError("gift_id is required")


@dataclass(frozen=True)
class GiftAccepted:
    """Giftly answered 201: the gift is paid for and its delivery is queued."""

    id: str
    message: str


def code_for_message(message: str) -> str:
    lowered = " ".join(message.lower().replace("ё", "е").split())
    if _NO_BALANCE.search(lowered):
        return INSUFFICIENT_BALANCE
    for marker, code in _MESSAGE_CODES:
        if marker in lowered:
            return code
    return BAD_REQUEST


class GiftlyClient(BaseClient):
    provider = "giftly"

    def __init__(
        self, *, base_url: str | None = None, token: str | None = None, **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__(base_url=base_url or settings.GIFTLY_BASE_URL, **options)
        self.token = settings.GIFTLY_TOKEN if token is None else token

    def secrets(self) -> Iterable[str]:
        return [self.token]

    def error_code(self, payload: Any) -> str:
        """Giftly sends no code, only a `message`: the base maps the status, this names the rejection."""
        return code_for_message(self.error_message(payload))

    def raise_for_error(self, response: requests.Response, payload: Any) -> None:
        if response.status_code == 402:  # Payment Required: the account cannot pay, whatever the wording
            raise RejectedError(
                self.redact(self.error_message(payload) or response.reason or "Payment Required"),
                code=INSUFFICIENT_BALANCE,
                provider=self.provider,
                status=402,
                details=payload,
            )
        super().raise_for_error(response, payload)

    def buy_gift(self, order: GiftOrder) -> GiftAccepted:
        body: dict[str, Any] = {
            "recipient": str(order.recipient),
            "gift_id": order.gift_id,
            "token": self.token,
        }
        if order.text is not None:
            body["text"] = order.text
        try:
            # Only 201 is success: another 2xx is no documented answer, so the send is of unknown outcome.
            payload = self.request(
                "POST", "api/v1/giftly/buyGift", json=body, idempotent=False, expect_status=201
            )
        except BadResponseError as exc:
            if exc.status == 201:  # accepted, body unreadable: the gift is sent all the same
                return GiftAccepted(id="", message="")
            raise
        if not isinstance(payload, Mapping):
            # Only a 2xx gets here: it was accepted even if the body says nothing useful.
            return GiftAccepted(id="", message="")
        if payload.get("success") is False:
            message = self.redact(self.error_message(payload) or "success: false")
            raise RejectedError(
                message, code=code_for_message(message), provider=self.provider, details=payload
            )
        raw_id = payload.get("id")
        return GiftAccepted(
            id="" if raw_id is None else str(raw_id), message=str(payload.get("message") or "")
        )
