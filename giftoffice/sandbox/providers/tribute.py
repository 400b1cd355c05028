# ruff: noqa: RUF001  (Russian text, as the supplier publishes it)
"""Sandbox simulator of the Tribute products API (tribute-products.md).

`GET /api/v1/products` and `GET /api/v1/products/{id}`, header `Api-Key`.

Deterministic catalog, generated on first use (docs/sandbox.md):
- settings.SANDBOX_TRIBUTE_PRODUCTS listed products with ids 2501, 2502, ...; product 2548 is the
  spec's example, field for field; types cycle digital, custom, physical by id;
- products 9001, 9002 and 9003 belong to another seller: never listed, and GET by id answers 403.

`meta.offset` is the 1-based position of the page's first row, `(page - 1) * size + 1` (also on a
page past the end), the one reading that reproduces the spec's only example (a one-row first page with
offset 1); `meta.limit` is the page size asked for. Our client pages by `page` and `total` and never
relies on `offset`.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from giftoffice.sandbox.faults import sandbox_view
from giftoffice.sandbox.models import TributeCatalogState, TributeSandboxProduct

FIRST_ID = 2501
FORBIDDEN_IDS = (9001, 9002, 9003)
TYPES = ("digital", "custom", "physical")
MAX_SIZE = 100
_INT = re.compile(r"^[0-9]{1,18}$")

SPEC_EXAMPLE = {
    "id": 2548,
    "type": "digital",
    "name": "Доступ к VPN на 1 месяц",
    "description": "Высокоскоростной VPN-сервис с неограниченным трафиком и 50+ серверами по всему миру",
    "amount": 499,
    "currency": "usd",
    "starsAmount": 100,
    "starsAmountEnabled": True,
    "status": "approved",
    "isCustom": False,
    "acceptCards": True,
    "acceptWalletPay": False,
    "protectContent": True,
    "created": "2025-08-25T10:30:00Z",
    "updated": "2025-08-25T10:30:00Z",
    "pendingOrders": 3,
    "imageUrl": "https://cdn.example.com/image.jpg",
    "link": "https://t.me/tribute_bot/app?startapp=pf6",
    "webLink": "https://web.tribute.tg/p/f6",
}

_NAMES = {
    "digital": [
        "Доступ к закрытому каналу",
        "Гайд по инвестициям",
        "Пресеты для Lightroom",
        "Курс английского",
    ],
    "custom": ["Видео-поздравление", "Персональный гороскоп", "Портрет по фото", "Песня на заказ"],
    "physical": ["Футболка с принтом", "Кружка с логотипом", "Худи с вышивкой", "Набор стикеров"],
}
_CURRENCIES = ("usd", "eur", "rub", "usd")
_EPOCH = datetime(2025, 8, 1, tzinfo=UTC)


def _parse_dt(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def generated_product(product_id: int, *, forbidden: bool = False) -> TributeSandboxProduct:
    """The deterministic product with this id (the spec example for 2548)."""
    if product_id == SPEC_EXAMPLE["id"]:
        e = SPEC_EXAMPLE
        return TributeSandboxProduct(
            id=e["id"],
            type=e["type"],
            name=e["name"],
            description=e["description"],
            amount=e["amount"],
            currency=e["currency"],
            stars_amount=e["starsAmount"],
            stars_amount_enabled=e["starsAmountEnabled"],
            status=e["status"],
            is_custom=e["isCustom"],
            accept_cards=e["acceptCards"],
            accept_wallet_pay=e["acceptWalletPay"],
            protect_content=e["protectContent"],
            created=_parse_dt(e["created"]),
            updated=_parse_dt(e["updated"]),
            pending_orders=e["pendingOrders"],
            image_url=e["imageUrl"],
            link=e["link"],
            web_link=e["webLink"],
        )
    i = product_id - FIRST_ID
    kind = TYPES[i % 3]
    name = f"{_NAMES[kind][(i // 3) % 4]} №{product_id}"
    created = _EPOCH + timedelta(hours=i)
    return TributeSandboxProduct(
        id=product_id,
        type=kind,
        name=name,
        description=f"{name}: описание товара для песочницы.",
        amount=100 + (i * 137) % 9900,
        currency=_CURRENCIES[i % 4],
        stars_amount=50 + (i * 7) % 500,
        stars_amount_enabled=i % 2 == 0,
        status="approved",
        is_custom=kind == "custom",
        accept_cards=True,
        accept_wallet_pay=i % 3 == 0,
        protect_content=kind == "digital",
        created=created,
        updated=created + timedelta(minutes=i),
        pending_orders=i % 5,
        image_url=f"https://cdn.example.com/products/{product_id}.jpg",
        link=f"https://t.me/tribute_bot/app?startapp=p{product_id:x}",
        web_link=f"https://web.tribute.tg/p/{product_id:x}",
        forbidden=forbidden,
    )


def ensure_catalog() -> None:
    """Generate the catalog once. Tests and staff may then edit, delete or add rows freely."""
    if TributeCatalogState.objects.exists():
        return
    with transaction.atomic():
        rows = [generated_product(FIRST_ID + i) for i in range(settings.SANDBOX_TRIBUTE_PRODUCTS)]
        rows += [generated_product(pid, forbidden=True) for pid in FORBIDDEN_IDS]
        TributeSandboxProduct.objects.bulk_create(rows, ignore_conflicts=True)
        TributeCatalogState.objects.get_or_create(pk=1)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def product_json(p: TributeSandboxProduct) -> dict:
    return {
        "id": p.id,
        "type": p.type,
        "name": p.name,
        "description": p.description,
        "amount": p.amount,
        "currency": p.currency,
        "starsAmount": p.stars_amount,
        "starsAmountEnabled": p.stars_amount_enabled,
        "status": p.status,
        "isCustom": p.is_custom,
        "acceptCards": p.accept_cards,
        "acceptWalletPay": p.accept_wallet_pay,
        "protectContent": p.protect_content,
        "created": _iso(p.created),
        "updated": _iso(p.updated),
        "pendingOrders": p.pending_orders,
        "imageUrl": p.image_url,
        "link": p.link,
        "webLink": p.web_link,
    }


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


def _authorized(request: HttpRequest) -> bool:
    key = request.headers.get("Api-Key", "")
    return bool(key) and hmac.compare_digest(key.encode(), settings.TRIBUTE_API_KEY.encode())


def _int_param(request: HttpRequest, name: str, default: int, low: int, high: int | None) -> int | str:
    raw = request.GET.get(name)
    if raw is None:
        return default
    value = int(raw) if _INT.match(raw) else None
    if value is None or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        return f"{name} must be an integer {bound}"
    return value


@sandbox_view("tribute")
def product_list(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return _error(405, "Method not allowed")
    if not _authorized(request):
        return _error(401, "Unauthorized: invalid API key")
    page = _int_param(request, "page", 1, 1, None)
    size = _int_param(request, "size", 20, 1, MAX_SIZE)
    for value in (page, size):
        if isinstance(value, str):
            return _error(400, value)
    kind = request.GET.get("type")
    if kind is not None and kind not in TYPES:
        return _error(400, f"type must be one of {', '.join(TYPES)}")
    desc_raw = request.GET.get("desc", "false").lower()
    if desc_raw not in ("true", "false", "1", "0"):
        return _error(400, "desc must be a boolean")
    desc = desc_raw in ("true", "1")

    ensure_catalog()
    qs = TributeSandboxProduct.objects.filter(forbidden=False)
    if kind:
        qs = qs.filter(type=kind)
    qs = qs.order_by("-id" if desc else "id")
    offset = (page - 1) * size
    total = qs.count()
    rows = [product_json(p) for p in qs[offset : offset + size]]
    return JsonResponse({"rows": rows, "meta": {"total": total, "offset": offset + 1, "limit": size}})


@sandbox_view("tribute")
def product_detail(request: HttpRequest, product_id: str) -> HttpResponse:
    if request.method != "GET":
        return _error(405, "Method not allowed")
    if not _authorized(request):
        return _error(401, "Unauthorized: invalid API key")
    if not _INT.match(product_id):
        return _error(400, "Invalid product id format")
    ensure_catalog()
    product = TributeSandboxProduct.objects.filter(pk=int(product_id)).first()
    if product is None:
        return _error(404, "Product not found")
    if product.forbidden:
        return _error(403, "Access denied")
    return JsonResponse(product_json(product))


urlpatterns = [
    path("api/v1/products", product_list, name="sandbox-tribute-products"),
    path("api/v1/products/<str:product_id>", product_detail, name="sandbox-tribute-product"),
]
