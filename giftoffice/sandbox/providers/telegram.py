"""Sandbox simulator of the Telegram Bot API gift-marketplace methods (telegram-gift-marketplaces.md).

`POST /bot<token>/sendCustomRequest` with `{"method": "reportGiftPurchase", "parameters": {...}}`,
answered in the Bot API envelope. Only settings.TELEGRAM_BOT_TOKEN is accepted (401 otherwise); any
other Bot API method answers 404 like the real server. Every accepted report is recorded; a repeated
transaction_id is refused with its own description (DUPLICATE_DESCRIPTION). Faults render in the same
envelope, a 429 with `parameters.retry_after`.
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path

from giftoffice.logredact import install_bot_token_redaction
from giftoffice.sandbox.faults import sandbox_view
from giftoffice.sandbox.models import Fault, TelegramPurchaseReport

# The server side logs request paths too (runserver, django.request, fault log): keep the token out.
install_bot_token_redaction("django.server", "django.request", "giftoffice.sandbox.faults")

SUPPORTED_METHODS = ("reportGiftPurchase",)
CURRENCIES = ("USD", "TON")
SALE_TYPES = ("listing", "offer", "auction")
DUPLICATE_DESCRIPTION = "Bad Request: TRANSACTION_ID_DUPLICATE: transaction_id was already reported"


def envelope_error(status: int, description: str, *, retry_after: int | None = None) -> JsonResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JsonResponse(body, status=status)


def render_fault(status: int, message: str, fault: Fault) -> HttpResponse:
    """Faults answer like the Bot API does: the envelope, and for 429 a retry_after in the body."""
    if status == 429:
        return envelope_error(
            429, f"Too Many Requests: retry after {fault.retry_after}", retry_after=fault.retry_after
        )
    return envelope_error(status, message)


class BadRequest(Exception):
    pass


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_report(p: dict[str, Any]) -> dict[str, Any]:
    """Every field rule of reportGiftPurchase; the first broken one is reported, as the Bot API does."""
    tid = p.get("transaction_id")
    if not isinstance(tid, str) or not 1 <= len(tid) <= 64:
        raise BadRequest("transaction_id must be a string of 1-64 characters")
    if not _is_int(p.get("transaction_date")) or p["transaction_date"] <= 0:
        raise BadRequest("transaction_date must be an integer Unix timestamp in seconds")
    if not _is_int(p.get("amount")) or p["amount"] <= 0:
        raise BadRequest("amount must be a positive integer in the smallest units of the currency")
    if p.get("currency") not in CURRENCIES:
        raise BadRequest('currency must be "USD" or "TON"')
    sale_type = p.get("sale_type", "listing")
    if sale_type not in SALE_TYPES:
        raise BadRequest('sale_type must be "listing", "offer" or "auction"')
    has_name, has_names = p.get("gift_name") is not None, p.get("gift_names") is not None
    if has_name == has_names:
        raise BadRequest("exactly one of gift_name and gift_names must be provided")
    if has_name and (not isinstance(p["gift_name"], str) or not p["gift_name"]):
        raise BadRequest("gift_name must be a non-empty string")
    if has_names and (
        not isinstance(p["gift_names"], list)
        or not p["gift_names"]
        or not all(isinstance(n, str) and n for n in p["gift_names"])
    ):
        raise BadRequest("gift_names must be a non-empty array of non-empty strings")
    if not _is_int(p.get("buyer_id")):
        raise BadRequest("buyer_id is required and must be an integer")
    for name in ("seller_id", "recipient_id"):
        if p.get(name) is not None and not _is_int(p[name]):
            raise BadRequest(f"{name} must be an integer")
    return {
        "transaction_id": tid,
        "transaction_date": p["transaction_date"],
        "amount": p["amount"],
        "currency": p["currency"],
        "sale_type": sale_type,
        "gift_name": p.get("gift_name") or "",
        "gift_names": p.get("gift_names") or [],
        "buyer_id": p["buyer_id"],
        "seller_id": p.get("seller_id"),
        "recipient_id": p.get("recipient_id"),
    }


def _request_data(request: HttpRequest) -> dict[str, Any]:
    """The Bot API takes JSON bodies, form fields or the query string; `parameters` may be a string."""
    if request.content_type == "application/json":
        data = orjson.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise BadRequest("request body must be a JSON object")
    else:
        data = {**request.GET.dict(), **request.POST.dict()}
    params = data.get("parameters")
    if isinstance(params, str):
        try:
            data["parameters"] = orjson.loads(params)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("parameters must be JSON-serialized") from exc
    return data


def _send_custom_request(request: HttpRequest) -> HttpResponse:
    try:
        data = _request_data(request)
        method = data.get("method")
        if not method:
            raise BadRequest('parameter "method" is required')
        if method not in SUPPORTED_METHODS:
            raise BadRequest(f"unsupported custom method {str(method)[:64]!r}")
        params = data.get("parameters")
        if not isinstance(params, dict):
            raise BadRequest('parameter "parameters" must be a JSON object')
        fields = validate_report(params)
    except orjson.JSONDecodeError:
        return envelope_error(400, "Bad Request: can't parse JSON body")
    except BadRequest as exc:
        return envelope_error(400, f"Bad Request: {exc}")
    try:
        with transaction.atomic():
            TelegramPurchaseReport.objects.create(**fields)
    except IntegrityError:
        return envelope_error(400, DUPLICATE_DESCRIPTION)
    return JsonResponse({"ok": True, "result": True})


@sandbox_view("telegram", error_renderer=render_fault)
def bot_method(request: HttpRequest, token: str, method: str) -> HttpResponse:
    if not hmac.compare_digest(token.encode(), settings.TELEGRAM_BOT_TOKEN.encode()):
        return envelope_error(401, "Unauthorized")
    if method != "sendCustomRequest":
        return envelope_error(404, "Not Found")
    return _send_custom_request(request)


urlpatterns = [
    re_path(r"^bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$", bot_method, name="sandbox-telegram-method"),
]
