"""Sandbox simulator of the GamesDrop partner API (`gamesdrop.md`), mounted at /sandbox/gamesdrop/.

Every call needs `Authorization: <settings.GAMESDROP_TOKEN>` (exactly; a `Bearer ...` JWT is not a shop
token). The guide lists error codes but never shows an error body, so the sandbox answers errors as

    HTTP 4xx/5xx  {"code": "WRONG_PRICE", "message": "Price mismatch: ..."}

401 INVALID_TOKEN; 404 OFFER_NOT_FOUND / ORDER_NOT_FOUND; 409 TRANSACTION_DUPLICATE; 503
SERVICE_UNAVAILABLE / BALANCE_UNAVAILABLE; 400 for the rest. Our client reads the code from `code`
(or `errorCode`, or a `message`/`error` that is itself a code) before it looks at the status, so it
survives whichever envelope the real API uses.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

from giftoffice.sandbox.faults import sandbox_view
from giftoffice.sandbox.models import Fault
from giftoffice.sandbox.providers import gamesdrop_state as state
from giftoffice.sandbox.providers.gamesdrop_state import ApiError, bad_request

MAX_SYNC_LIMIT = 5000
MAX_TRANSACTIONS_LIMIT = 100


def error_response(code: str, message: str, status: int) -> HttpResponse:
    return _json({"code": code, "message": message}, status=status)


def render_fault(status: int, message: str, fault: Fault) -> HttpResponse:
    """Armed faults answer in the same envelope as real errors."""
    code = "TOO_MANY_REQUESTS" if status == 429 else "SERVICE_UNAVAILABLE"
    response = error_response(code, message, status)
    if status == 429:
        response["Retry-After"] = str(fault.retry_after)
    return response


def _json(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def endpoint(*methods: str) -> Callable:
    """Faults first, then method, token and JSON body; `ApiError` becomes the error envelope."""

    def decorator(fn: Callable[[HttpRequest, dict], Any]) -> Callable[[HttpRequest], HttpResponse]:
        @sandbox_view("gamesdrop", error_renderer=render_fault)
        @functools.wraps(fn)
        def view(request: HttpRequest) -> HttpResponse:
            if request.method not in methods:
                return error_response("METHOD_NOT_ALLOWED", f"Use {' or '.join(methods)}", 405)
            token = request.headers.get("Authorization", "")
            if not hmac.compare_digest(token.encode(), settings.GAMESDROP_TOKEN.encode()):
                return error_response("INVALID_TOKEN", "Invalid authorization token", 401)
            try:
                return _json(fn(request, _body(request)))
            except ApiError as exc:
                return error_response(exc.code, exc.message, exc.status)

        return view

    return decorator


def _body(request: HttpRequest) -> dict:
    if request.method != "POST":
        return {}
    try:
        body = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError:
        raise bad_request("Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    return body


def _number(body: dict, name: str, *, required: bool = True, default: int | None = None) -> int | None:
    """An integer JSON number: the guide insists offerId is "a number, not a string"."""
    if name not in body or body[name] is None:
        if required:
            raise bad_request(f"{name} is required")
        return default
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise bad_request(f"{name} must be a number, not {type(value).__name__}")
    return int(value)


def _string(body: dict, name: str, *, required: bool = False, max_length: int = 255) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is required")
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise bad_request(f"{name} must be a string of at most {max_length} characters")
    return value


def _query_int(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a number") from None
    if value < 1:
        raise bad_request(f"{name} must be at least 1")
    return value


# --- endpoints ------------------------------------------------------------------------------------


@endpoint("GET")
def balance(request: HttpRequest, body: dict) -> dict:
    return state.balance_json()


@endpoint("GET")
def jwt_balance(request: HttpRequest, body: dict) -> dict:
    """/api/v1/balance wants a dashboard JWT, which the sandbox never issues: a shop token is refused."""
    raise ApiError("INVALID_TOKEN", "This endpoint requires a JWT; use /api/v1/offers/balance", 401)


@endpoint("GET")
def transactions(request: HttpRequest, body: dict) -> dict:
    page = _query_int(request, "page", 1)
    limit = min(_query_int(request, "limit", 20), MAX_TRANSACTIONS_LIMIT)
    return state.transactions_json(page=page, limit=limit)


@endpoint("POST")
def find_one(request: HttpRequest, body: dict) -> dict:
    return state.find_one(_number(body, "offerId"))


@endpoint("POST")
def sync(request: HttpRequest, body: dict) -> dict:
    limit = _number(body, "limit", required=False, default=1000)
    page = _number(body, "page", required=False, default=1)
    if not 1 <= limit <= MAX_SYNC_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_SYNC_LIMIT}")
    if page < 1:
        raise bad_request("page must be at least 1")
    result = state.sync_page(
        page=page, limit=limit, category=_string(body, "category"), search=_string(body, "search")
    )
    return {"count": result.count, "rows": result.rows}


@endpoint("POST")
def create_order(request: HttpRequest, body: dict) -> dict:
    offer_id = _number(body, "offerId")
    price = body.get("price")
    if isinstance(price, bool) or not isinstance(price, int | float):
        raise bad_request("price must be a number")
    try:
        confirmed = Decimal(str(price))
    except InvalidOperation:
        raise bad_request("price must be a number") from None
    transaction_id = _string(body, "transactionId", required=True)
    customer = body.get("customer") or {}
    if not isinstance(customer, dict):
        raise bad_request("customer must be an object")
    for key in ("email", "gameUserId", "gameServerId"):
        if customer.get(key) is not None and not isinstance(customer[key], str | int):
            raise bad_request(f"customer.{key} must be a string")
    customer = {
        k: str(v)
        for k, v in customer.items()
        if v is not None and k in ("email", "gameUserId", "gameServerId")
    }
    server = customer.pop("gameServerId", None) or _string(body, "gameServerId")
    order = state.create_order(
        state.OrderRequest(
            offer_id=offer_id,
            price=confirmed,
            transaction_id=transaction_id,
            customer=customer,
            game_server_id=server,
        )
    )
    return state.order_json(order)


@endpoint("POST")
def order_status(request: HttpRequest, body: dict) -> dict:
    order_id = _number(body, "orderId", required=False)
    transaction_id = _string(body, "transactionId")
    if order_id is None and transaction_id is None:
        raise bad_request("orderId or transactionId is required")
    return state.order_json(state.poll_order(order_id=order_id, transaction_id=transaction_id))


@endpoint("POST")
def servers(request: HttpRequest, body: dict) -> dict:
    return state.servers(_number(body, "offerId"))


@endpoint("POST")
def check_game_data(request: HttpRequest, body: dict) -> dict:
    offer_id = _number(body, "offerId")
    game_user_id = body.get("gameUserId")
    if isinstance(game_user_id, int) and not isinstance(game_user_id, bool):
        game_user_id = str(game_user_id)
    if not isinstance(game_user_id, str) or not game_user_id:
        raise bad_request("gameUserId is required")
    server = body.get("gameServerId")
    return state.check_game_data(
        offer_id=offer_id, game_user_id=game_user_id, game_server_id=None if server is None else str(server)
    )


@endpoint("POST")
def telegram_user_info(request: HttpRequest, body: dict) -> dict:
    return state.telegram_user_info(_string(body, "username", required=True, max_length=64))


urlpatterns = [
    path("api/v1/offers/balance", balance, name="gamesdrop-balance"),
    path("api/v1/balance", jwt_balance, name="gamesdrop-jwt-balance"),
    path("api/v1/balance/transactions", transactions, name="gamesdrop-transactions"),
    path("api/v1/offers/find-one", find_one, name="gamesdrop-find-one"),
    path("api/v1/offers/sync", sync, name="gamesdrop-sync"),
    path("api/v1/offers/create-order", create_order, name="gamesdrop-create-order"),
    path("api/v1/offers/order-status", order_status, name="gamesdrop-order-status"),
    path("api/v1/offers/servers", servers, name="gamesdrop-servers"),
    path("api/v1/partner/product-offer/servers", servers, name="gamesdrop-partner-servers"),
    path("api/v1/offers/check-game-data", check_game_data, name="gamesdrop-check-game-data"),
    path("api/aggregator/a6/telegram/user-info", telegram_user_info, name="gamesdrop-telegram-user-info"),
]
