"""Tribute products API client (tribute-products.md): list pages, fetch the whole catalog, get one.

Every call is a read, so every call is retried (BaseClient). Paging relies on `page`, the number of
rows and `meta.total` only: the spec's example leaves the meaning of `meta.offset` unclear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Unpack

import requests
from django.conf import settings

from giftoffice.integrations.base import (
    SNAPSHOT_ATTEMPTS,
    BadResponseError,
    BaseClient,
    CatalogChangedError,  # noqa: F401  (re-exported: callers catch it from here)
    ClientOptions,
    RejectedError,
    fetch_snapshot,
)

PRODUCT_TYPES = ("digital", "custom", "physical")
MAX_PAGE_SIZE = 100

# RejectedError codes (Tribute documents statuses, not codes).
BAD_REQUEST = "BAD_REQUEST"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class TributeProduct:
    id: int
    type: str
    name: str
    description: str
    amount: int  # minor units of `currency`
    currency: str
    stars_amount: int | None
    stars_amount_enabled: bool
    status: str
    is_custom: bool
    accept_cards: bool
    accept_wallet_pay: bool
    protect_content: bool
    created: datetime | None
    updated: datetime | None
    pending_orders: int
    image_url: str
    link: str
    web_link: str


@dataclass(frozen=True)
class ProductPage:
    rows: list[TributeProduct]
    total: int
    offset: int
    limit: int


# (rows received so far in this pass, total announced by the supplier)
PageCallback = Callable[[int, int], None]


class TributeClient(BaseClient):
    provider = "tribute"

    def __init__(
        self, *, base_url: str | None = None, api_key: str | None = None, **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__(base_url=base_url or settings.TRIBUTE_BASE_URL, **options)
        self.api_key = settings.TRIBUTE_API_KEY if api_key is None else api_key

    def auth_headers(self) -> dict[str, str]:
        return {"Api-Key": self.api_key}

    def secrets(self) -> Iterable[str]:
        return [self.api_key]

    def raise_for_error(self, response: requests.Response, payload: Any) -> None:
        message = self.redact(self.error_message(payload) or response.reason or "error")
        # 403 is "this product is not yours", not a refused key (that is 401).
        codes = {400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND}
        if response.status_code in codes:
            raise RejectedError(
                message,
                code=codes[response.status_code],
                provider=self.provider,
                status=response.status_code,
                details=payload,
            )
        super().raise_for_error(response, payload)

    def list_products(
        self, *, page: int = 1, size: int = 20, type: str | None = None, desc: bool = False
    ) -> ProductPage:
        if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"page must be >= 1 and size 1..{MAX_PAGE_SIZE}")
        if type is not None and type not in PRODUCT_TYPES:
            raise ValueError(f"type must be one of {', '.join(PRODUCT_TYPES)}")
        params: dict[str, Any] = {"page": page, "size": size}
        if type:
            params["type"] = type
        if desc:
            params["desc"] = "true"
        payload = self.request("GET", "api/v1/products", params=params)
        return self._page(payload)

    def get_product(self, product_id: int) -> TributeProduct:
        return self._product(self.request("GET", f"api/v1/products/{int(product_id)}"))

    def iter_pages(self, *, size: int = MAX_PAGE_SIZE, type: str | None = None) -> Iterator[ProductPage]:
        """Pages in id order until a short or empty page, or until `total` rows were seen."""
        page, seen = 1, 0
        while True:
            result = self.list_products(page=page, size=size, type=type)
            yield result
            seen += len(result.rows)
            if len(result.rows) < size or seen >= result.total:
                return
            page += 1

    def fetch_all(
        self,
        *,
        size: int = MAX_PAGE_SIZE,
        type: str | None = None,
        on_page: PageCallback | None = None,
        attempts: int = SNAPSHOT_ATTEMPTS,
    ) -> list[TributeProduct]:
        """A complete, consistent snapshot of the catalog (see `fetch_snapshot`)."""
        pages = fetch_snapshot(
            lambda: self.iter_pages(size=size, type=type),
            total_of=lambda page: page.total,
            ids_of=lambda page: [product.id for product in page.rows],
            provider=self.provider,
            attempts=attempts,
            on_page=on_page,
        )
        return [product for page in pages for product in page.rows]

    # --- parsing -------------------------------------------------------------------------------------
    def _page(self, payload: Any) -> ProductPage:
        if not isinstance(payload, Mapping):
            raise BadResponseError("product list is not an object", provider=self.provider)
        rows, meta = payload.get("rows"), payload.get("meta")
        if not isinstance(rows, list) or not isinstance(meta, Mapping):
            raise BadResponseError("product list lacks rows or meta", provider=self.provider)
        return ProductPage(
            rows=[self._product(row) for row in rows],
            total=_int(meta, "total", self.provider),
            offset=_int(meta, "offset", self.provider),
            limit=_int(meta, "limit", self.provider),
        )

    def _product(self, row: Any) -> TributeProduct:
        p = self.provider
        if not isinstance(row, Mapping):
            raise BadResponseError("product is not an object", provider=p)
        kind = _str(row, "type", p)
        if kind not in PRODUCT_TYPES:
            raise BadResponseError(f"product {row.get('id')!r} has unknown type {kind!r}", provider=p)
        return TributeProduct(
            id=_int(row, "id", p),
            type=kind,
            name=_str(row, "name", p),
            description=_str(row, "description", p, optional=True),
            amount=_int(row, "amount", p),
            currency=_str(row, "currency", p),
            stars_amount=_int(row, "starsAmount", p, optional=True),
            stars_amount_enabled=_bool(row, "starsAmountEnabled", p),
            status=_str(row, "status", p),
            is_custom=_bool(row, "isCustom", p),
            accept_cards=_bool(row, "acceptCards", p),
            accept_wallet_pay=_bool(row, "acceptWalletPay", p),
            protect_content=_bool(row, "protectContent", p),
            created=_datetime(row, "created", p),
            updated=_datetime(row, "updated", p),
            pending_orders=_int(row, "pendingOrders", p, optional=True) or 0,
            image_url=_str(row, "imageUrl", p, optional=True),
            link=_str(row, "link", p, optional=True),
            web_link=_str(row, "webLink", p, optional=True),
        )


def _int(row: Mapping, key: str, provider: str, *, optional: bool = False) -> Any:
    value = row.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadResponseError(f"{key} is not an integer: {value!r}", provider=provider)
    return value


def _str(row: Mapping, key: str, provider: str, *, optional: bool = False) -> str:
    value = row.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise BadResponseError(f"{key} is not a string: {value!r}", provider=provider)
    return value


def _bool(row: Mapping, key: str, provider: str) -> bool:
    value = row.get(key, False)
    if not isinstance(value, bool):
        raise BadResponseError(f"{key} is not a boolean: {value!r}", provider=provider)
    return value


def _datetime(row: Mapping, key: str, provider: str) -> datetime | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadResponseError(f"{key} is not an ISO date: {value!r}", provider=provider) from exc
    if parsed.tzinfo is None:
        raise BadResponseError(f"{key} has no time zone: {value!r}", provider=provider)
    return parsed
