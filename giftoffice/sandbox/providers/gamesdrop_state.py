"""The rules of the GamesDrop sandbox: account, orders, balance history, players and Telegram users.

Views parse the request and call these functions; a broken rule raises `ApiError` with the guide's code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from giftoffice.sandbox.models import (
    GamesDropAccount,
    GamesDropOfferOverride,
    GamesDropOrder,
    GamesDropOrderStatus,
    GamesDropTransaction,
    GamesDropTransactionType,
)
from giftoffice.sandbox.providers import gamesdrop_catalog as catalog
from giftoffice.sandbox.providers.gamesdrop_catalog import Outcome, Overrides, SandboxOffer
from giftoffice.transitions import check_transition

S = GamesDropOrderStatus
FINAL = {S.COMPLETED, S.CANCELED, S.FAILED, S.REFUND}
# Instant offers (test offer, Stars) finish from SUBMITTED; the rest go through PROCESSING.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.PROCESSING, S.COMPLETED, S.CANCELED}),
    S.PROCESSING: frozenset({S.COMPLETED, S.CANCELED, S.FAILED, S.REFUND}),
    **{status: frozenset() for status in FINAL},
}
FIRST_ORDER_ID = 10222501

# Telegram users the sandbox bot "knows" (the guide's example user first). Any other numeric id is
# unknown: Stars to it end CANCELED with "user not found".
TELEGRAM_USERS: dict[int, dict[str, str]] = {
    143594291: {"first_name": "Igor", "username": "igoryan34"},
    987654321: {"first_name": "Alice", "username": "sandbox_alice"},
    456789123: {"first_name": "Bob", "username": "sandbox_bob"},
}
_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
_PLAYER_RE = re.compile(r"^[0-9]{5,20}$")

MESSAGES = {
    S.CANCELED: "Supplier could not fulfil the order; funds returned to your balance",
    S.FAILED: "Internal system error; funds returned to your balance",
    S.REFUND: "Order refunded by the supplier",
}


class ApiError(Exception):
    """A refusal in the guide's terms: `code` from its error table, with an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def bad_request(message: str) -> ApiError:
    return ApiError("INVALID_REQUEST_BODY", message, 400)


# --- control functions (tests, staff drills) ----------------------------------------------------------


def account() -> GamesDropAccount:
    acc, _created = GamesDropAccount.objects.get_or_create(
        pk=1,
        defaults={
            "balance": Decimal(settings.SANDBOX_GAMESDROP_BALANCE),
            "balance_profile": settings.SANDBOX_GAMESDROP_PROFILE,
        },
    )
    return acc


def set_account(
    *,
    balance: Decimal | str | None = None,
    profile: str | None = None,
    is_postpaid: bool | None = None,
    partner_id: int | None = None,
) -> GamesDropAccount:
    """Set the sandbox account's balance (USD), balance profile (FIAT/USDT/MIXED) or postpaid flag."""
    acc = account()
    if balance is not None:
        acc.balance = Decimal(str(balance))
    if profile is not None:
        if profile not in catalog.COMPATIBLE:
            raise ValueError(f"unknown balance profile {profile!r}")
        acc.balance_profile = profile
    if is_postpaid is not None:
        acc.is_postpaid = is_postpaid
    if partner_id is not None:
        acc.partner_id = partner_id
    acc.save()
    return acc


def set_offer(
    offer_id: int,
    *,
    hidden: bool | None = None,
    price: Decimal | str | None = None,
    in_stock: bool | None = None,
) -> GamesDropOfferOverride:
    """Make one offer vanish from the feed (hidden), change its price, or its stock."""
    override, _created = GamesDropOfferOverride.objects.get_or_create(offer_id=offer_id)
    if hidden is not None:
        override.hidden = hidden
    if price is not None:
        override.price = Decimal(str(price))
    if in_stock is not None:
        override.in_stock = in_stock
    override.save()
    return override


def reset_offers() -> None:
    GamesDropOfferOverride.objects.all().delete()


def overrides() -> Overrides:
    rows = list(GamesDropOfferOverride.objects.all())
    return Overrides(
        hidden=frozenset(r.offer_id for r in rows if r.hidden),
        prices={r.offer_id: r.price for r in rows if r.price is not None},
        stock={r.offer_id: r.in_stock for r in rows if r.in_stock is not None},
    )


# --- catalog --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncPage:
    count: int
    rows: list[dict]


def sync_page(*, page: int, limit: int, category: str | None, search: str | None) -> SyncPage:
    profile = account().balance_profile
    canonical = None
    if category:
        canonical = catalog.canonical_category(category)
        if canonical is None:  # a category the catalog does not have: nothing matches
            return SyncPage(count=0, rows=[])
    current = overrides()
    ids = catalog.visible_ids(profile=profile, category=canonical, search=search or "", overrides=current)
    start = (page - 1) * limit
    special = catalog.FIXED_OFFERS.keys() | (current.prices or {}).keys() | (current.stock or {}).keys()
    rows = [
        current.apply(_offer(i)).sync_row() if i in special else catalog.generated_row(i)
        for i in ids[start : start + limit]
    ]
    return SyncPage(count=len(ids), rows=rows)


def _offer(offer_id: int) -> SandboxOffer:
    if offer_id in catalog.FIXED_OFFERS:
        return catalog.FIXED_OFFERS[offer_id]
    return catalog.generated(offer_id)


def find_offer(offer_id: int, *, profile: str | None = None) -> SandboxOffer:
    """The offer as this partner may see it; hidden or incompatible offers are OFFER_NOT_FOUND."""
    profile = profile or account().balance_profile
    offer = catalog.offer_by_id(offer_id, overrides=overrides())
    if offer is None or not catalog.is_visible(offer, profile=profile):
        raise ApiError("OFFER_NOT_FOUND", f"Offer {offer_id} not found or no access", 404)
    return offer


def find_one(offer_id: int) -> dict:
    profile = account().balance_profile
    offer = find_offer(offer_id, profile=profile)
    return {
        "offerId": offer.offer_id,
        "productName": offer.product_name,
        "offerName": offer.offer_name,
        "count": 1,
        "price": float(offer.price),
        "currency": offer.currency,
        "settlementMethod": offer.settlement,
        "balanceProfile": profile,
        "isSettlementCompatible": True,
        "isReturnDataForCustomer": offer.returns_key,
    }


def servers(offer_id: int) -> dict[str, str]:
    return find_offer(offer_id).servers


# --- players and Telegram users -------------------------------------------------------------------


def check_game_data(*, offer_id: int, game_user_id: str, game_server_id: str | None) -> dict:
    offer = find_offer(offer_id)
    if offer.outcome is Outcome.INSTANT:  # "Player validation always returns VALID for test product"
        return {"status": "VALID", "gameUserLogin": "TestPlayer"}
    if offer.outcome is Outcome.STARS:
        user = TELEGRAM_USERS.get(int(game_user_id)) if game_user_id.isdigit() else None
        return {"status": "VALID", "gameUserLogin": user["username"]} if user else {"status": "INVALID"}
    if offer.requires_server_id and game_server_id not in offer.servers.values():
        return {"status": "INVALID"}
    if not _PLAYER_RE.match(game_user_id):
        return {"status": "INVALID"}
    return {"status": "VALID", "gameUserLogin": f"Player{game_user_id[-4:]}"}


def telegram_user_info(username: str) -> dict:
    cleaned = username.strip().lstrip("@")
    if cleaned.isdigit():
        user = TELEGRAM_USERS.get(int(cleaned))
        if user is None:
            return {"valid": False, "username": cleaned, "message": "User not found"}
        return _verified(int(cleaned))
    if not _USERNAME_RE.match(cleaned):
        return {"valid": False, "username": cleaned, "message": "Invalid username format"}
    for user_id, user in TELEGRAM_USERS.items():
        if user["username"].lower() == cleaned.lower():
            return _verified(user_id)
    return {
        "valid": True,
        "username": cleaned,
        "userInfo": {"username": cleaned, "first_name": cleaned},
        "message": "Username format is valid, but user details are not publicly available. "
        "Full verification requires user interaction with the bot.",
    }


def _verified(user_id: int) -> dict:
    user = TELEGRAM_USERS[user_id]
    return {
        "valid": True,
        "username": user["username"],
        "userInfo": {
            "id": user_id,
            "first_name": user["first_name"],
            "username": user["username"],
            "photo_url": hashlib.sha256(str(user_id).encode()).hexdigest()[:32],
        },
        "message": "User account verified successfully",
    }


# --- orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRequest:
    offer_id: int
    price: Decimal
    transaction_id: str
    customer: dict[str, Any]
    game_server_id: str | None


def create_order(req: OrderRequest) -> GamesDropOrder:
    if GamesDropOrder.objects.filter(transaction_id=req.transaction_id).exists():
        raise _duplicate(req.transaction_id)
    offer = find_offer(req.offer_id)
    if not offer.in_stock:
        raise ApiError("OUT_OF_STOCK", f"Offer {offer.offer_id} is out of stock", 400)
    game_user_id = req.customer.get("gameUserId")
    if offer.requires_user_id and not game_user_id:
        raise bad_request("customer.gameUserId is required for this offer")
    if offer.outcome is Outcome.STARS:
        if not str(game_user_id).isdigit():
            raise bad_request("customer.gameUserId must be a numeric Telegram user id for Telegram Stars")
        if not catalog.STARS_MIN <= (offer.stars or 0) <= catalog.STARS_MAX:
            raise bad_request(
                f"Telegram Stars amount must be between {catalog.STARS_MIN} and {catalog.STARS_MAX}"
            )
    if offer.requires_server_id:
        if not req.game_server_id:
            raise bad_request("gameServerId is required for this offer")
        if req.game_server_id not in offer.servers.values():
            raise bad_request(f"Unknown gameServerId {req.game_server_id!r}")
    if req.price != offer.price:
        raise ApiError(
            "WRONG_PRICE", f"Price mismatch: the current price is {offer.price} {offer.currency}", 400
        )
    cost = Decimal("0.00") if offer.outcome is Outcome.INSTANT else offer.usd_cost()
    try:
        return _place(req, offer, cost)
    except IntegrityError:  # a concurrent request with the same transactionId won
        raise _duplicate(req.transaction_id) from None


def _duplicate(transaction_id: str) -> ApiError:
    return ApiError("TRANSACTION_DUPLICATE", f"Transaction {transaction_id!r} already exists", 409)


@transaction.atomic
def _place(req: OrderRequest, offer: SandboxOffer, cost: Decimal) -> GamesDropOrder:
    acc = GamesDropAccount.objects.select_for_update().get(pk=account().pk)
    if not acc.is_postpaid and acc.balance < cost:
        raise ApiError(
            "INSUFFICIENT_BALANCE",
            f"Insufficient balance: {cost} USD needed, {acc.balance} USD available",
            400,
        )
    last = GamesDropOrder.objects.aggregate(last=Max("order_id"))["last"]
    order = GamesDropOrder(
        order_id=(last or FIRST_ORDER_ID - 1) + 1,
        transaction_id=req.transaction_id,
        offer_id=offer.offer_id,
        product_name=offer.product_name,
        offer_name=offer.offer_name,
        price=offer.price,
        currency=offer.currency,
        charged_usd=cost,
        status=S.SUBMITTED,
        final_status=_final_status(offer, req.customer),
        is_return_data_for_customer=offer.returns_key,
        is_required_game_user_id=offer.requires_user_id,
        is_required_game_server_id=offer.requires_server_id,
        customer={**req.customer, **({"gameServerId": req.game_server_id} if req.game_server_id else {})},
    )
    order.save()
    label = "Test Purchase" if offer.outcome is Outcome.INSTANT else "API Purchase"
    _book(
        acc,
        order,
        GamesDropTransactionType.PURCHASE,
        -cost,
        f"{label} - {offer.product_name} {offer.offer_name}",
    )
    if offer.outcome in (Outcome.INSTANT, Outcome.STARS):
        _finish(acc, order, order.final_status, offer)
    else:
        acc.draft_balance += cost
        acc.save(update_fields=["balance", "draft_balance"])
    return order


def _final_status(offer: SandboxOffer, customer: dict[str, Any]) -> str:
    if offer.outcome is Outcome.STARS:
        return S.COMPLETED if int(customer["gameUserId"]) in TELEGRAM_USERS else S.CANCELED
    return {Outcome.CANCELED: S.CANCELED, Outcome.FAILED: S.FAILED, Outcome.REFUND: S.REFUND}.get(
        offer.outcome, S.COMPLETED
    )


def _book(acc: GamesDropAccount, order: GamesDropOrder | None, kind: str, amount: Decimal, text: str) -> None:
    acc.balance += amount
    acc.save(update_fields=["balance"])
    GamesDropTransaction.objects.create(
        type=kind, amount=amount, balance_after=acc.balance, description=text[:255], order=order
    )


def _finish(acc: GamesDropAccount, order: GamesDropOrder, status: str, offer: SandboxOffer | None) -> None:
    """Move an order to its final status: a key for key products, a refund for failed ones."""
    _move(order, status)
    if offer is not None and offer.outcome is Outcome.STARS:
        _stars_fulfillment(order, offer)
    elif status == S.COMPLETED and order.is_return_data_for_customer:
        digest = hashlib.sha256(f"{order.order_id}:{order.transaction_id}".encode()).hexdigest()
        order.key = f"SBX-{digest[:4]}-{digest[4:8]}-{digest[8:12]}".upper()
    elif status != S.COMPLETED:
        order.message = MESSAGES[status]
    if order.status != S.COMPLETED and order.charged_usd:
        _book(
            acc, order, GamesDropTransactionType.REFUND, order.charged_usd, f"Refund - order {order.order_id}"
        )
    order.save()


def _move(order: GamesDropOrder, status: str) -> None:
    check_transition(machine="GamesDropOrder", table=ORDER_TRANSITIONS, current=order.status, target=status)
    order.status = status


def _stars_fulfillment(order: GamesDropOrder, offer: SandboxOffer) -> None:
    user_id = int(order.customer["gameUserId"])
    if order.status == S.COMPLETED:
        order.fulfillment_data = {
            "telegram_user_id": user_id,
            "stars_amount": offer.stars,
            "transaction_id": f"tg_tx_{order.order_id}",
            "delivery_status": "completed",
        }
        return
    order.message = "Failed to deliver Stars: user not found"
    order.fulfillment_data = {
        "telegram_user_id": user_id,
        "stars_amount": offer.stars,
        "delivery_status": "failed",
        "error_message": "user not found",
    }


def get_order(*, order_id: int | None, transaction_id: str | None) -> GamesDropOrder:
    qs = GamesDropOrder.objects.all()
    order = (
        qs.filter(order_id=order_id) if order_id is not None else qs.filter(transaction_id=transaction_id)
    ).first()
    if order is None:
        raise ApiError("ORDER_NOT_FOUND", "Order not found", 404)
    return order


@transaction.atomic
def poll_order(*, order_id: int | None, transaction_id: str | None) -> GamesDropOrder:
    """Each status poll moves an unfinished order one step: SUBMITTED -> PROCESSING -> final."""
    order = get_order(order_id=order_id, transaction_id=transaction_id)
    order = GamesDropOrder.objects.select_for_update().get(pk=order.pk)
    if order.status in FINAL:
        return order
    order.polls += 1
    if order.status == S.SUBMITTED:
        _move(order, S.PROCESSING)
        order.save(update_fields=["status", "polls"])
        return order
    acc = GamesDropAccount.objects.select_for_update().get(pk=account().pk)
    acc.draft_balance = max(Decimal("0.00"), acc.draft_balance - order.charged_usd)
    acc.save(update_fields=["draft_balance"])
    _finish(acc, order, order.final_status, None)
    return order


def order_json(order: GamesDropOrder) -> dict:
    body: dict[str, Any] = {
        "orderId": order.order_id,
        "count": order.count,
        "price": float(order.price),
        "currency": order.currency,
        "offerId": order.offer_id,
        "productName": order.product_name,
        "offerName": order.offer_name,
        "status": order.status,
        "isReturnDataForCustomer": order.is_return_data_for_customer,
        "isRequiredGameUserId": order.is_required_game_user_id,
        "isRequiredGameServerId": order.is_required_game_server_id,
        "createdAt": iso_utc(order.created_at),
    }
    if order.message:
        body["message"] = order.message
    if order.key and order.status == S.COMPLETED and order.is_return_data_for_customer:
        body["key"] = order.key
    if order.fulfillment_data is not None:
        body["fulfillmentData"] = order.fulfillment_data
    return body


# --- balance --------------------------------------------------------------------------------------


def iso_utc(moment: datetime) -> str:
    """UTC with milliseconds and a Z, as the guide's transaction and Stars examples show."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def balance_json() -> dict:
    acc = account()
    return {
        "balance": float(acc.balance),
        "draftBalance": float(acc.draft_balance),
        "isPostpaid": acc.is_postpaid,
        "balanceProfile": acc.balance_profile,
        "currency": {"id": 3, "code": "USD"},
        "partnerId": acc.partner_id,
    }


def transactions_json(*, page: int, limit: int) -> dict:
    qs = GamesDropTransaction.objects.order_by("-id")
    start = (page - 1) * limit
    return {
        "transactions": [
            {
                "id": t.pk,
                "amount": float(t.amount),
                "type": t.type,
                "description": t.description,
                "balanceAfter": float(t.balance_after),
                "createdAt": iso_utc(t.created_at),
            }
            for t in qs[start : start + limit]
        ],
        "total": qs.count(),
    }
