# ruff: noqa: RUF001  (Russian text, as the supplier publishes it)
"""Sandbox simulator of the Giftly API (giftly.md): POST /api/v1/giftly/buyGift.

Deterministic behaviours (documented in docs/sandbox.md):
- the token travels in the JSON body; only settings.GIFTLY_TOKEN is accepted;
- a recipient whose Telegram id ends in "404" has never written to the bot: 400;
- the account starts with settings.SANDBOX_GIFTLY_BALANCE_RUB and each accepted gift debits its price;
  a gift dearer than the balance is refused with 400;
- every accepted gift is recorded (GiftlySentGift) and answered 201, its delivery "queued".
"""

from __future__ import annotations

import hmac
import re
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from giftoffice.sandbox.faults import sandbox_view
from giftoffice.sandbox.models import GiftlyAccount, GiftlySentGift

# gift_id -> (price in RUB, emoji): the supplier's table, as published.
GIFTS: dict[str, tuple[Decimal, str]] = {
    "5170233102089322756": (Decimal(15), "🧸"),
    "5170145012310081615": (Decimal(15), "💝"),
    "5168103777563050263": (Decimal(25), "🌹"),
    "5170250947678437525": (Decimal(25), "🎁"),
    "6028601630662853006": (Decimal(50), "🍾"),
    "5170564780938756245": (Decimal(50), "🚀"),
    "5170314324215857265": (Decimal(50), "💐"),
    "5170144170496491616": (Decimal(50), "🎂"),
    "5168043875654172773": (Decimal(100), "🏆"),
    "5170690322832818290": (Decimal(100), "💍"),
    "5170521118301225164": (Decimal(100), "💎"),
}
DEFAULT_TEXT = "Привет, я отдаю тебе выигрыш с бот!"
# Recipients whose id ends with this never wrote to @giftLyServiceBot, so Telegram cannot deliver.
UNKNOWN_RECIPIENT_SUFFIX = "404"

MSG_TOKEN_REQUIRED = "Token is required"
MSG_TOKEN_INVALID = "Invalid token"
MSG_RECIPIENT_REQUIRED = "recipient is required"
MSG_RECIPIENT_INVALID = "recipient must be a numeric Telegram user id"
MSG_RECIPIENT_UNKNOWN = "Recipient has not started the bot: the user must write to the bot first"
MSG_GIFT_REQUIRED = "gift_id is required"
MSG_GIFT_UNKNOWN = "Unknown gift_id"
MSG_TEXT_INVALID = "text must be a string"
MSG_BALANCE = "Insufficient balance"
MSG_SENT = "Gift queued for delivery"

_NUMERIC = re.compile(r"^[1-9][0-9]{0,19}$")


def recipient_has_started_bot(recipient: str) -> bool:
    return not recipient.endswith(UNKNOWN_RECIPIENT_SUFFIX)


def account() -> GiftlyAccount:
    """The sandbox account, created with the configured starting balance on first use."""
    acct, _created = GiftlyAccount.objects.get_or_create(
        pk=1, defaults={"balance_rub": Decimal(str(settings.SANDBOX_GIFTLY_BALANCE_RUB))}
    )
    return acct


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


def _recipient(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str) and _NUMERIC.match(value.strip()):
        return value.strip()
    return None


@sandbox_view("giftly")
def buy_gift(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _error(405, "Method not allowed")
    try:
        body = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError:
        return _error(400, "Body must be JSON")
    if not isinstance(body, dict):
        return _error(400, "Body must be a JSON object")

    token = body.get("token")
    if token in (None, ""):
        return _error(401, MSG_TOKEN_REQUIRED)
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), settings.GIFTLY_TOKEN.encode()):
        return _error(401, MSG_TOKEN_INVALID)

    if body.get("recipient") in (None, ""):
        return _error(400, MSG_RECIPIENT_REQUIRED)
    recipient = _recipient(body.get("recipient"))
    if recipient is None:
        return _error(400, MSG_RECIPIENT_INVALID)
    gift_id = body.get("gift_id")
    if gift_id in (None, ""):
        return _error(400, MSG_GIFT_REQUIRED)
    if isinstance(gift_id, int) and not isinstance(gift_id, bool):
        gift_id = str(gift_id)
    if not isinstance(gift_id, str) or gift_id not in GIFTS:
        return _error(400, MSG_GIFT_UNKNOWN)
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        return _error(400, MSG_TEXT_INVALID)
    if not recipient_has_started_bot(recipient):
        return _error(400, MSG_RECIPIENT_UNKNOWN)

    price, _emoji = GIFTS[gift_id]
    account()
    with transaction.atomic():
        acct = GiftlyAccount.objects.select_for_update().get(pk=1)
        if acct.balance_rub < price:
            return _error(400, MSG_BALANCE)
        acct.balance_rub -= price
        acct.save(update_fields=["balance_rub", "updated_at"])
        sent = GiftlySentGift.objects.create(
            recipient=recipient,
            gift_id=gift_id,
            text=text or DEFAULT_TEXT,
            price_rub=price,
            balance_after_rub=acct.balance_rub,
        )
    return JsonResponse({"success": True, "message": MSG_SENT, "id": sent.pk}, status=201)


urlpatterns = [
    path("api/v1/giftly/buyGift", buy_gift, name="sandbox-giftly-buy-gift"),
]
