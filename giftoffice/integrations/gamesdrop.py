"""Client of the GamesDrop partner API (`gamesdrop.md`).

Reads are retried (sync, find-one, order-status, servers, check-game-data and user-info are POSTs but
change nothing); create-order is sent once: a timeout, a dropped connection, a 5xx or an unreadable 2xx
raises `OutcomeUnknownError`, and the caller reconciles with `order_status(transaction_id=...)`.

Error codes of the guide map to the shared hierarchy: INVALID_TOKEN -> AuthError, SERVICE_UNAVAILABLE
and BALANCE_UNAVAILABLE -> UnavailableError, every other code -> RejectedError with `.code`.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Unpack

import orjson
import requests
from django.conf import settings

from giftoffice.integrations.base import (
    AuthError,
    BadResponseError,
    BaseClient,
    ClientOptions,
    OutcomeUnknownError,
    RejectedError,
    UnavailableError,
)

MAX_SYNC_LIMIT = 5000

# The guide's error table (plus OUT_OF_STOCK, named in its price-confirmation section).
ERROR_CODES: dict[str, str] = {
    "INVALID_TOKEN": "Invalid authorization token",
    "OFFER_NOT_FOUND": "Product not found or no access",
    "TRANSACTION_DUPLICATE": "Duplicate transaction",
    "WRONG_PRICE": "Incorrect product price",
    "ORDER_NOT_FOUND": "Order not found",
    "ORDER_NOT_PROCESSING": "Order is not yet processing",
    "ORDER_NOT_COMPLETED": "Order is not yet completed",
    "ORDER_ALREADY_CANCELED": "Order is already canceled",
    "ORDER_ALREADY_REFUNDED": "Order is already refunded",
    "SERVICE_UNAVAILABLE": "Service temporarily unavailable",
    "INVALID_REQUEST_BODY": "Invalid request format",
    "INSUFFICIENT_BALANCE": "Insufficient account balance",
    "BALANCE_UNAVAILABLE": "Balance temporarily unavailable",
    "OUT_OF_STOCK": "Offer is out of stock",
}
# The sync feed's categories as the guide names them, with its legacy aliases. The API has no list of
# categories, and an unknown one is not an error there: it just matches nothing.
CATEGORIES: tuple[str, ...] = ("Top Up", "Gift Cards")
CATEGORY_ALIASES: dict[str, str] = {"TOP_UP": "Top Up", "GIFT_CARD": "Gift Cards"}


def canonical_category(value: str, *, also_known: Iterable[str] = ()) -> str | None:
    """The category `value` names (case-insensitive; aliases too), or None when it names none.

    `also_known`: categories seen in earlier feeds, for ones the guide does not list."""
    text = value.strip().casefold()
    names = {name.casefold(): name for name in (*also_known, *CATEGORIES) if name}
    names.update({alias.casefold(): name for alias, name in CATEGORY_ALIASES.items()})
    return names.get(text)


AUTH_CODES = frozenset({"INVALID_TOKEN"})
UNAVAILABLE_CODES = frozenset({"SERVICE_UNAVAILABLE", "BALANCE_UNAVAILABLE"})


# --- typed requests and answers ---------------------------------------------------------------------


class SettlementMethod(enum.StrEnum):
    FIAT = "FIAT"
    USDT = "USDT"
    MIXED = "MIXED"


class OrderStatus(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"
    REFUND = "REFUND"

    @property
    def is_final(self) -> bool:
        return self not in (OrderStatus.SUBMITTED, OrderStatus.PROCESSING)


@dataclass(frozen=True, slots=True)
class Balance:
    balance: Decimal
    draft_balance: Decimal
    is_postpaid: bool
    balance_profile: SettlementMethod
    currency: str
    partner_id: int | None


@dataclass(frozen=True, slots=True)
class BalanceTransaction:
    id: int
    amount: Decimal
    type: str
    description: str
    balance_after: Decimal
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class TransactionPage:
    transactions: list[BalanceTransaction]
    total: int


@dataclass(frozen=True, slots=True)
class OfferInfo:
    """find-one: the current purchase price of one offer for this account."""

    offer_id: int
    product_name: str
    offer_name: str
    count: int
    price: Decimal
    currency: str
    settlement_method: SettlementMethod | None
    balance_profile: SettlementMethod | None
    is_settlement_compatible: bool | None
    returns_key: bool | None


@dataclass(slots=True)  # not frozen: a frozen init costs several times more, and a sync builds 100,000
class SyncRow:
    """One offer of the sync feed. Fields the guide does not document for sync are None when absent."""

    offer_group_id: int
    product_id: int | None
    product_name: str
    offer_group_name: str
    price: Decimal
    currency: str
    in_stock: bool
    requires_game_user_id: bool | None
    requires_game_server_id: bool | None
    returns_key: bool | None
    settlement_method: SettlementMethod | None
    category: str | None


@dataclass(slots=True)
class SyncPage:
    """One page of the feed as received. Rows are parsed (and checked) on first use of `rows`: a sync
    that finds the feed identical to the last one (see `fingerprint`) never needs them."""

    page: int
    limit: int
    count: int
    raw_rows: list[Any] = field(repr=False)
    _rows: list[SyncRow] | None = field(default=None, repr=False)

    @property
    def rows(self) -> list[SyncRow]:
        if self._rows is None:
            self._rows = [parse_sync_row(raw) for raw in self.raw_rows]
        return self._rows

    @property
    def offer_ids(self) -> list[int]:
        """The rows' offerGroupIds without parsing the rest."""
        try:
            ids = [raw["offerGroupId"] for raw in self.raw_rows]
        except (TypeError, KeyError):
            return [row.offer_group_id for row in self.rows]  # raises the precise BadResponseError
        if all(type(i) is int for i in ids):
            return ids
        return [row.offer_group_id for row in self.rows]

    def fingerprint(self) -> bytes:
        """A digest of the rows exactly as sent: equal digests, equal rows."""
        return hashlib.blake2b(orjson.dumps(self.raw_rows), digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class Customer:
    email: str | None = None
    game_user_id: str | None = None
    game_server_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderRequest:
    offer_id: int
    price: Decimal  # the GamesDrop price from sync/find-one, never our retail price
    transaction_id: str
    customer: Customer = field(default_factory=Customer)


@dataclass(frozen=True, slots=True)
class Order:
    order_id: int
    status: OrderStatus
    offer_id: int | None = None
    product_name: str = ""
    offer_name: str = ""
    count: int | None = None
    price: Decimal | None = None
    currency: str = ""
    returns_key: bool | None = None
    requires_game_user_id: bool | None = None
    requires_game_server_id: bool | None = None
    key: str | None = None
    message: str | None = None
    fulfillment_data: dict[str, Any] | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GameDataCheck:
    valid: bool
    game_user_login: str | None


@dataclass(frozen=True, slots=True)
class TelegramUser:
    valid: bool
    username: str
    user_id: int | None
    first_name: str | None
    photo_url: str | None
    message: str


# --- parsing: a wrong shape is a BadResponseError, never a KeyError ------------------------------------


class _Reader:
    def __init__(self, payload: Any, what: str) -> None:
        if not isinstance(payload, Mapping):
            raise BadResponseError(f"{what}: expected a JSON object", provider="gamesdrop")
        self.payload = payload
        self.what = what

    def _fail(self, key: str, expected: str) -> BadResponseError:
        return BadResponseError(f"{self.what}: {key} must be {expected}", provider="gamesdrop")

    def decimal(self, key: str) -> Decimal:
        value = self.payload.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self._fail(key, "a number")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise self._fail(key, "a number") from None

    def integer(self, key: str) -> int:
        value = self.payload.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "an integer")
        return value

    def opt_integer(self, key: str) -> int | None:
        return None if self.payload.get(key) is None else self.integer(key)

    def string(self, key: str) -> str:
        value = self.payload.get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def opt_string(self, key: str) -> str | None:
        value = self.payload.get(key)
        return value if isinstance(value, str) else None

    def boolean(self, key: str) -> bool:
        value = self.payload.get(key)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def opt_boolean(self, key: str) -> bool | None:
        return None if self.payload.get(key) is None else self.boolean(key)

    def settlement(self, key: str) -> SettlementMethod | None:
        value = self.payload.get(key)
        if value is None:
            return None
        try:
            return SettlementMethod(value)
        except ValueError:
            raise self._fail(key, "FIAT, USDT or MIXED") from None

    def moment(self, key: str) -> datetime | None:
        value = self.payload.get(key)
        if not isinstance(value, str):
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None


_SETTLEMENTS = {m.value: m for m in SettlementMethod}
_NUMBER = (int, float)


def parse_sync_row(raw: Any) -> SyncRow:
    """One feed row. The common, well-formed row takes the fast path (100,000 rows per sync);
    anything unusual goes through the checked reader, which names the bad field."""
    try:
        price = raw["price"]
        settlement = raw.get("settlementMethod")
        row = SyncRow(
            offer_group_id=raw["offerGroupId"],
            product_id=raw.get("productId"),
            product_name=raw["productName"],
            offer_group_name=raw["offerGroupName"],
            price=Decimal(repr(price)) if type(price) is float else Decimal(price),
            currency=raw["currency"],
            in_stock=raw["inStock"],
            requires_game_user_id=raw.get("isRequiredGameUserId"),
            requires_game_server_id=raw.get("isRequiredGameServerId"),
            returns_key=raw.get("isReturnDataForCustomer"),
            settlement_method=None if settlement is None else _SETTLEMENTS[settlement],
            category=raw.get("category"),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        return _parse_sync_row_checked(raw)
    if (
        type(row.offer_group_id) is int
        and type(price) in _NUMBER
        and type(row.in_stock) is bool
        and type(row.product_name) is str
        and type(row.offer_group_name) is str
        and type(row.currency) is str
        and (row.product_id is None or type(row.product_id) is int)
        and type(row.requires_game_user_id) in _OPT_BOOL
        and type(row.requires_game_server_id) in _OPT_BOOL
        and type(row.returns_key) in _OPT_BOOL
        and (row.category is None or type(row.category) is str)
    ):
        return row
    return _parse_sync_row_checked(raw)


_OPT_BOOL = (type(None), bool)


def _parse_sync_row_checked(raw: Any) -> SyncRow:
    r = _Reader(raw, "sync row")
    return SyncRow(
        offer_group_id=r.integer("offerGroupId"),
        product_id=r.opt_integer("productId"),
        product_name=r.string("productName"),
        offer_group_name=r.string("offerGroupName"),
        price=r.decimal("price"),
        currency=r.string("currency"),
        in_stock=r.boolean("inStock"),
        requires_game_user_id=r.opt_boolean("isRequiredGameUserId"),
        requires_game_server_id=r.opt_boolean("isRequiredGameServerId"),
        returns_key=r.opt_boolean("isReturnDataForCustomer"),
        settlement_method=r.settlement("settlementMethod"),
        category=r.opt_string("category"),
    )


def parse_order(payload: Any) -> Order:
    r = _Reader(payload, "order")
    status = r.string("status")
    try:
        order_status = OrderStatus(status)
    except ValueError:
        raise BadResponseError(f"order: unknown status {status!r}", provider="gamesdrop") from None
    fulfillment = payload.get("fulfillmentData")
    return Order(
        order_id=r.integer("orderId"),
        status=order_status,
        offer_id=r.opt_integer("offerId"),
        product_name=r.opt_string("productName") or "",
        offer_name=r.opt_string("offerName") or "",
        count=r.opt_integer("count"),
        price=None if payload.get("price") is None else r.decimal("price"),
        currency=r.opt_string("currency") or "",
        returns_key=r.opt_boolean("isReturnDataForCustomer"),
        requires_game_user_id=r.opt_boolean("isRequiredGameUserId"),
        requires_game_server_id=r.opt_boolean("isRequiredGameServerId"),
        key=r.opt_string("key"),
        message=r.opt_string("message"),
        fulfillment_data=dict(fulfillment) if isinstance(fulfillment, Mapping) else None,
        created_at=r.moment("createdAt"),
    )


class GamesDropClient(BaseClient):
    provider = "gamesdrop"

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        user_info_base_url: str | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(base_url=base_url, **options)
        self._token = token
        # The guide serves Telegram user-info from gamesdrop.io, not the partner host.
        self.user_info_base_url = (user_info_base_url or self.base_url).rstrip("/")

    def __repr__(self) -> str:
        return f"<GamesDropClient {self.base_url}>"

    # --- BaseClient hooks ----------------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self._token}

    def secrets(self) -> Iterable[str]:
        return (self._token,)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else super().url(path)

    def error_code(self, payload: Any) -> str:
        code = super().error_code(payload)
        if code:
            return code
        if isinstance(payload, Mapping):  # e.g. {"statusCode": 400, "message": "WRONG_PRICE"}
            for key in ("message", "error"):
                value = payload.get(key)
                if isinstance(value, str) and value in ERROR_CODES:
                    return value
        return ""

    def raise_for_error(self, response: requests.Response, payload: Any) -> None:
        code = self.error_code(payload)
        if code not in ERROR_CODES:
            return super().raise_for_error(response, payload)
        message = self.error_message(payload)
        message = self.redact(message if message and message != code else ERROR_CODES[code])
        status = response.status_code
        if code in AUTH_CODES:
            raise AuthError(message, code=code, provider=self.provider, status=status)
        if code in UNAVAILABLE_CODES:
            raise UnavailableError(message, code=code, provider=self.provider, status=status)
        raise RejectedError(message, code=code, provider=self.provider, status=status, details=payload)

    # --- balance ------------------------------------------------------------------------------------
    def balance(self) -> Balance:
        r = _Reader(self.request("GET", "api/v1/offers/balance"), "balance")
        currency = r.payload.get("currency")
        profile = r.settlement("balanceProfile")
        if profile is None:
            raise BadResponseError("balance: balanceProfile missing", provider=self.provider)
        return Balance(
            balance=r.decimal("balance"),
            draft_balance=r.decimal("draftBalance") if "draftBalance" in r.payload else Decimal("0"),
            is_postpaid=bool(r.payload.get("isPostpaid", False)),
            balance_profile=profile,
            currency=str(currency.get("code", "USD")) if isinstance(currency, Mapping) else "USD",
            partner_id=r.opt_integer("partnerId"),
        )

    def transactions(self, *, page: int = 1, limit: int = 20) -> TransactionPage:
        payload = self.request("GET", "api/v1/balance/transactions", params={"page": page, "limit": limit})
        r = _Reader(payload, "transactions")
        items = payload.get("transactions")
        if not isinstance(items, list):
            raise BadResponseError("transactions: transactions must be a list", provider=self.provider)
        result = []
        for item in items:
            t = _Reader(item, "transaction")
            result.append(
                BalanceTransaction(
                    id=t.integer("id"),
                    amount=t.decimal("amount"),
                    type=t.string("type"),
                    description=t.opt_string("description") or "",
                    balance_after=t.decimal("balanceAfter"),
                    created_at=t.moment("createdAt"),
                )
            )
        return TransactionPage(transactions=result, total=r.integer("total"))

    # --- catalog ------------------------------------------------------------------------------------
    def find_one(self, offer_id: int) -> OfferInfo:
        payload = self.request(
            "POST", "api/v1/offers/find-one", json={"offerId": int(offer_id)}, idempotent=True
        )
        r = _Reader(payload, "find-one")
        return OfferInfo(
            offer_id=r.integer("offerId"),
            product_name=r.string("productName"),
            offer_name=r.string("offerName"),
            count=r.opt_integer("count") or 1,
            price=r.decimal("price"),
            currency=r.string("currency"),
            settlement_method=r.settlement("settlementMethod"),
            balance_profile=r.settlement("balanceProfile"),
            is_settlement_compatible=r.opt_boolean("isSettlementCompatible"),
            returns_key=r.opt_boolean("isReturnDataForCustomer"),
        )

    def sync_page(
        self,
        *,
        page: int = 1,
        limit: int = MAX_SYNC_LIMIT,
        category: str | None = None,
        search: str | None = None,
    ) -> SyncPage:
        if not 1 <= limit <= MAX_SYNC_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_SYNC_LIMIT}")
        body: dict[str, Any] = {"limit": limit, "page": page}
        if category:
            body["category"] = category
        if search:
            body["search"] = search
        payload = self.request("POST", "api/v1/offers/sync", json=body, idempotent=True)
        r = _Reader(payload, "sync")
        rows = payload.get("rows")
        if not isinstance(rows, list):
            raise BadResponseError("sync: rows must be a list", provider=self.provider)
        return SyncPage(page=page, limit=limit, count=r.integer("count"), raw_rows=rows)

    def iter_sync_pages(
        self, *, limit: int = MAX_SYNC_LIMIT, category: str | None = None, search: str | None = None
    ) -> Iterator[SyncPage]:
        """Every page of the feed, from page 1 until a short or empty page, or `count` rows are seen."""
        page, seen = 1, 0
        while True:
            result = self.sync_page(page=page, limit=limit, category=category, search=search)
            yield result
            seen += len(result.raw_rows)
            if len(result.raw_rows) < limit or seen >= result.count:
                return
            page += 1

    # --- orders -------------------------------------------------------------------------------------
    def create_order(self, order: OrderRequest) -> Order:
        """Sent exactly once. Any answer we cannot trust means the order may exist: OutcomeUnknownError."""
        customer: dict[str, str] = {}
        if order.customer.email:
            customer["email"] = order.customer.email
        if order.customer.game_user_id:
            customer["gameUserId"] = str(order.customer.game_user_id)
        if order.customer.game_server_id:
            customer["gameServerId"] = str(order.customer.game_server_id)
        body = {
            "offerId": int(order.offer_id),
            "price": float(order.price),  # a JSON number, as the guide requires
            "transactionId": order.transaction_id,
            "customer": customer,
        }
        try:
            payload = self.request("POST", "api/v1/offers/create-order", json=body, idempotent=False)
            return parse_order(payload)
        except BadResponseError as exc:
            if exc.status is not None and exc.status >= 300:
                raise
            raise OutcomeUnknownError(
                f"create-order answered but the answer is unreadable ({exc.message})", provider=self.provider
            ) from exc

    def order_status(self, *, order_id: int | None = None, transaction_id: str | None = None) -> Order:
        if (order_id is None) == (transaction_id is None):
            raise ValueError("give exactly one of order_id or transaction_id")
        body: dict[str, Any] = (
            {"orderId": int(order_id)} if order_id is not None else {"transactionId": transaction_id}
        )
        return parse_order(self.request("POST", "api/v1/offers/order-status", json=body, idempotent=True))

    # --- players ------------------------------------------------------------------------------------
    def servers(self, offer_id: int, *, partner_path: bool = False) -> dict[str, str]:
        """Display label -> gameServerId. `partner_path` uses /partner/product-offer/servers."""
        path = "api/v1/partner/product-offer/servers" if partner_path else "api/v1/offers/servers"
        payload = self.request("POST", path, json={"offerId": int(offer_id)}, idempotent=True)
        if not isinstance(payload, Mapping) or not all(isinstance(v, str) for v in payload.values()):
            raise BadResponseError(
                "servers: expected an object of label -> server id", provider=self.provider
            )
        return dict(payload)

    def check_game_data(
        self, *, offer_id: int, game_user_id: str, game_server_id: str | None = None
    ) -> GameDataCheck:
        body: dict[str, Any] = {"offerId": int(offer_id), "gameUserId": str(game_user_id)}
        if game_server_id:
            body["gameServerId"] = str(game_server_id)
        r = _Reader(
            self.request("POST", "api/v1/offers/check-game-data", json=body, idempotent=True), "check"
        )
        status = r.string("status")
        if status not in ("VALID", "INVALID"):
            raise BadResponseError(f"check-game-data: unknown status {status!r}", provider=self.provider)
        return GameDataCheck(valid=status == "VALID", game_user_login=r.opt_string("gameUserLogin"))

    def telegram_user_info(self, username: str) -> TelegramUser:
        url = f"{self.user_info_base_url}/api/aggregator/a6/telegram/user-info"
        r = _Reader(self.request("POST", url, json={"username": username}, idempotent=True), "user-info")
        info = r.payload.get("userInfo") if isinstance(r.payload.get("userInfo"), Mapping) else {}
        u = _Reader(info, "userInfo")
        return TelegramUser(
            valid=r.boolean("valid"),
            username=r.opt_string("username") or username.lstrip("@"),
            user_id=u.opt_integer("id"),
            first_name=u.opt_string("first_name"),
            photo_url=u.opt_string("photo_url"),
            message=r.opt_string("message") or "",
        )


def client() -> GamesDropClient:
    """A client configured from settings (read at call time, so tests can point it at the sandbox)."""
    return GamesDropClient(
        base_url=settings.GAMESDROP_BASE_URL,
        token=settings.GAMESDROP_TOKEN,
        user_info_base_url=settings.GAMESDROP_USER_INFO_BASE_URL or None,
    )
