"""The GamesDrop sandbox catalog, generated from the offer id so any size costs no storage.

The catalog holds `settings.SANDBOX_GAMESDROP_OFFERS` offers in all (never fewer than the fixed ones):

- fixed offers with documented behaviour (`FIXED_OFFERS`, ids below 1002): the guide's examples, the
  test offer 999, Telegram Stars, top-ups that need a player / server id, and offers that always end
  CANCELED, FAILED or REFUND or are out of stock;
- generated offers with ids 1002, 1003, ... whose every field is a pure function of the id.

A sync page is built row by row from its ids; only the list of ids matching a filter is cached.
`GamesDropOfferOverride` rows (tests, staff drills) hide, reprice or de-stock single offers.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

TOP_UP = "Top Up"
GIFT_CARDS = "Gift Cards"
CATEGORIES = (TOP_UP, GIFT_CARDS)
# The guide: "Legacy aliases TOP_UP and GIFT_CARD are also accepted."
CATEGORY_ALIASES = {"top_up": TOP_UP, "gift_card": GIFT_CARDS, "top up": TOP_UP, "gift cards": GIFT_CARDS}

FIAT, USDT, MIXED = "FIAT", "USDT", "MIXED"
# Partner balance profile -> offer settlement methods it may see and buy.
COMPATIBLE = {FIAT: {FIAT, MIXED}, USDT: {USDT, MIXED}, MIXED: {FIAT, USDT, MIXED}}

# Fixed sandbox exchange rates to the USD balance ("500 RUB ... $5.50" in the guide).
USD_RATES = {
    "USD": Decimal("1"),
    "USDT": Decimal("1"),
    "EUR": Decimal("1.08"),
    "RUB": Decimal("0.011"),
    "KZT": Decimal("0.0021"),
    "TRY": Decimal("0.031"),
    "UAH": Decimal("0.024"),
    "BRL": Decimal("0.18"),
}

STARS_MIN, STARS_MAX = 1, 2500
CENT = Decimal("0.01")

# Servers offered by every offer that needs a game server id (the guide's example answer).
SERVERS = {"Europe": "os_euro", "America": "os_usa", "Asia": "os_asia"}

FIRST_GENERATED_ID = 1002


class Outcome(enum.Enum):
    """How an order for the offer ends (see docs/gamesdrop.md)."""

    POLLED = "SUBMITTED, then PROCESSING, then COMPLETED on successive status polls"
    INSTANT = "COMPLETED at once with a key, no funds deducted (test offer)"
    STARS = "Telegram Stars: COMPLETED at once, or CANCELED when the user is unknown"
    CANCELED = "SUBMITTED, PROCESSING, then CANCELED"
    FAILED = "SUBMITTED, PROCESSING, then FAILED"
    REFUND = "SUBMITTED, PROCESSING, then REFUND"


@dataclass(frozen=True, slots=True)
class SandboxOffer:
    offer_id: int
    product_id: int
    product_name: str
    offer_name: str
    price: Decimal
    currency: str
    category: str
    settlement: str
    in_stock: bool
    returns_key: bool
    requires_user_id: bool
    requires_server_id: bool
    outcome: Outcome = Outcome.POLLED
    stars: int | None = None

    @property
    def servers(self) -> dict[str, str]:
        return dict(SERVERS) if self.requires_server_id else {}

    def usd_cost(self) -> Decimal:
        return (self.price * USD_RATES[self.currency]).quantize(CENT, ROUND_HALF_UP)

    def sync_row(self) -> dict:
        """One row of the sync feed: the documented fields plus category and settlement details."""
        return {
            "productId": self.product_id,
            "productName": self.product_name,
            "offerGroupId": self.offer_id,
            "offerGroupName": self.offer_name,
            "price": float(self.price),
            "currency": self.currency,
            "inStock": self.in_stock,
            "isRequiredGameUserId": self.requires_user_id,
            "isRequiredGameServerId": self.requires_server_id,
            "isReturnDataForCustomer": self.returns_key,
            "settlementMethod": self.settlement,
            "category": self.category,
        }


def _stars(offer_id: int, stars: int) -> SandboxOffer:
    # "100 Stars ~ 0.3 TON" at a fixed sandbox TON rate: 100 Stars cost 0.77 USD, as in the guide.
    price = (Decimal(stars) * Decimal("0.0077")).quantize(CENT, ROUND_HALF_UP)
    return SandboxOffer(
        offer_id=offer_id,
        product_id=950,
        product_name="Telegram Stars",
        offer_name=f"{stars} Stars" if stars != 1 else "1 Star",
        price=price,
        currency="USD",
        category=TOP_UP,
        settlement=MIXED,
        in_stock=True,
        returns_key=True,  # as the guide's Stars find-one shows; the data comes as fulfillmentData
        requires_user_id=True,
        requires_server_id=False,
        outcome=Outcome.STARS,
        stars=stars,
    )


def _key_offer(offer_id: int, product: str, name: str, price: str, outcome: Outcome, **kw) -> SandboxOffer:
    fields = {
        "offer_id": offer_id,
        "product_id": offer_id,
        "product_name": product,
        "offer_name": name,
        "price": Decimal(price),
        "currency": "USD",
        "category": GIFT_CARDS,
        "settlement": MIXED,
        "in_stock": True,
        "returns_key": True,
        "requires_user_id": False,
        "requires_server_id": False,
        "outcome": outcome,
    }
    fields.update(kw)
    return SandboxOffer(**fields)


def _top_up(offer_id: int, product: str, name: str, price: str, currency: str, **kw) -> SandboxOffer:
    fields = {
        "offer_id": offer_id,
        "product_id": offer_id,
        "product_name": product,
        "offer_name": name,
        "price": Decimal(price),
        "currency": currency,
        "category": TOP_UP,
        "settlement": MIXED,
        "in_stock": True,
        "returns_key": False,
        "requires_user_id": True,
        "requires_server_id": False,
    }
    fields.update(kw)
    return SandboxOffer(**fields)


FIXED_OFFERS: dict[int, SandboxOffer] = {
    offer.offer_id: offer
    for offer in [
        # The guide's sync example row.
        _top_up(101, "PUBG Mobile", "60 UC", "0.99", "USD", product_id=5),
        # Telegram Stars (the guide's four amounts, the 1 and 2500 limits, and one over the limit).
        _stars(950, 50),
        _stars(951, 100),
        _stars(952, 500),
        _stars(953, 1000),
        _stars(954, 1),
        _stars(955, 2500),
        _stars(956, 3000),
        # Direct top-ups: player id and server (960, 961), player id only (962).
        _top_up(960, "Mobile Legends", "86 Diamonds", "1.99", "USD", requires_server_id=True),
        _top_up(
            961,
            "Genshin Impact",
            "60 Genesis Crystals",
            "0.99",
            "USD",
            requires_server_id=True,
            settlement=FIAT,
        ),
        _top_up(962, "Free Fire", "100 Diamonds", "95.00", "RUB", settlement=USDT),
        # Keys whose orders end badly, and one out of stock.
        _key_offer(970, "Google Play US", "10 USD", "10.50", Outcome.CANCELED),
        _key_offer(971, "iTunes US", "25 USD", "26.10", Outcome.FAILED),
        _key_offer(972, "Razer Gold Global", "20 USD", "20.40", Outcome.REFUND),
        _key_offer(973, "Xbox Live US", "15 USD", "15.30", Outcome.POLLED, in_stock=False),
        # The guide's test offer.
        _key_offer(
            999, "Steam US", "TEST OFFER GROUP", "23.09", Outcome.INSTANT, currency="KZT", product_id=999
        ),
        # The guide's find-one / create-order example.
        _key_offer(
            1001,
            "PUBG MOBILE GIFT",
            "60 UC",
            "560.10",
            Outcome.POLLED,
            currency="RUB",
            settlement=USDT,
            product_id=1001,
        ),
    ]
}
FIXED_IDS: tuple[int, ...] = tuple(sorted(FIXED_OFFERS))

# Generated offers: (product, category, returns key, needs player id, needs server id,
# [(region, currency, price factor)], [(offer name, base price in cents of USD)]).
_TEMPLATES = [
    ("Steam Wallet", GIFT_CARDS, True, False, False, ["5", "10", "20", "50"], 105),
    ("PlayStation Store", GIFT_CARDS, True, False, False, ["10", "25", "50"], 102),
    ("Google Play", GIFT_CARDS, True, False, False, ["5", "15", "25"], 104),
    ("Roblox", GIFT_CARDS, True, False, False, ["10", "25", "50"], 103),
    ("Razer Gold", GIFT_CARDS, True, False, False, ["5", "20", "50", "100"], 101),
    ("PUBG Mobile", TOP_UP, False, True, False, ["60 UC", "325 UC", "660 UC", "1800 UC"], 0),
    ("Mobile Legends", TOP_UP, False, True, True, ["86 Diamonds", "172 Diamonds", "257 Diamonds"], 0),
    ("Genshin Impact", TOP_UP, False, True, True, ["60 Crystals", "300 Crystals", "980 Crystals"], 0),
    ("Free Fire", TOP_UP, False, True, False, ["100 Diamonds", "310 Diamonds", "520 Diamonds"], 0),
    ("Honkai Star Rail", TOP_UP, False, True, True, ["60 Shards", "330 Shards"], 0),
]
# Top-up prices in USD cents per denomination index.
_TOP_UP_CENTS = [99, 499, 999, 2499]
_REGIONS = [
    ("US", "USD", 100),
    ("EU", "EUR", 93),
    ("TR", "TRY", 3300),
    ("KZ", "KZT", 48000),
    ("RU", "RUB", 9100),
    ("UA", "UAH", 4150),
    ("BR", "BRL", 560),
    ("Global", "USD", 100),
]
_SETTLEMENTS = (MIXED, USDT, FIAT)


def _mix(value: int) -> int:
    """A cheap, fixed 32-bit hash of the id, so neighbouring offers differ."""
    value = (value * 2654435761 + 0x9E3779B9) & 0xFFFFFFFF
    value ^= value >> 15
    return (value * 2246822519) & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class _Combo:
    """What a generated offer takes from its (template, region, denomination)."""

    product_id: int
    product_name: str
    offer_name: str
    currency: str
    category: str
    returns_key: bool
    needs_user: bool
    needs_server: bool
    base_cents: int  # local price in cents x 100, before the per-offer +/- 10%


def _combos() -> list[list[list[_Combo]]]:
    table = []
    for t, (name, category, returns_key, needs_user, needs_server, denominations, factor) in enumerate(
        _TEMPLATES
    ):
        per_region = []
        for r, (region, currency, fx_cents) in enumerate(_REGIONS):
            per_denomination = []
            for d, denomination in enumerate(denominations):
                if returns_key:
                    face = int(denomination)
                    offer_name, usd_cents = f"{face} {'USD' if currency == 'USD' else region}", face * factor
                else:
                    offer_name, usd_cents = denomination, _TOP_UP_CENTS[d]
                per_denomination.append(
                    _Combo(
                        product_id=2000 + t * 100 + r,
                        product_name=f"{name} {region}",
                        offer_name=offer_name,
                        currency=currency,
                        category=category,
                        returns_key=returns_key,
                        needs_user=needs_user,
                        needs_server=needs_server,
                        base_cents=usd_cents * fx_cents,
                    )
                )
            per_region.append(per_denomination)
        table.append(per_region)
    return table


_COMBOS = _combos()
_N_TEMPLATES, _N_REGIONS = len(_TEMPLATES), len(_REGIONS)


def _combo(offer_id: int) -> tuple[_Combo, int]:
    """The combo of a generated offer and its lot (how many times the combo came round before)."""
    template, rest = (
        (offer_id - FIRST_GENERATED_ID) % _N_TEMPLATES,
        (offer_id - FIRST_GENERATED_ID) // _N_TEMPLATES,
    )
    region, rest = rest % _N_REGIONS, rest // _N_REGIONS
    per_denomination = _COMBOS[template][region]
    return per_denomination[rest % len(per_denomination)], rest // len(per_denomination)


def _settlement(offer_id: int) -> str:
    return _SETTLEMENTS[_mix(offer_id) % 3]


def _category(offer_id: int) -> str:
    return _TEMPLATES[(offer_id - FIRST_GENERATED_ID) % _N_TEMPLATES][1]


def _product_name(offer_id: int) -> str:
    return _combo(offer_id)[0].product_name


def _generated_fields(offer_id: int) -> tuple[_Combo, str, int, str, bool]:
    combo, lot = _combo(offer_id)
    h = _mix(offer_id)
    offer_name = f"{combo.offer_name} (lot {lot + 1})" if lot else combo.offer_name
    # Local price +/- up to 10% by offer, in cents.
    cents = max(combo.base_cents * (90 + (h >> 8) % 21) // 10000, 1)
    return combo, offer_name, cents, _SETTLEMENTS[h % 3], (h >> 16) % 25 != 0


def generated(offer_id: int) -> SandboxOffer:
    combo, offer_name, cents, settlement, in_stock = _generated_fields(offer_id)
    return SandboxOffer(
        offer_id=offer_id,
        product_id=combo.product_id,
        product_name=combo.product_name,
        offer_name=offer_name,
        price=Decimal(cents) / 100,
        currency=combo.currency,
        category=combo.category,
        settlement=settlement,
        in_stock=in_stock,
        returns_key=combo.returns_key,
        requires_user_id=combo.needs_user,
        requires_server_id=combo.needs_server,
    )


def generated_row(offer_id: int) -> dict:
    """`generated(offer_id).sync_row()` without the intermediate objects (the sync hot path)."""
    combo, offer_name, cents, settlement, in_stock = _generated_fields(offer_id)
    return {
        "productId": combo.product_id,
        "productName": combo.product_name,
        "offerGroupId": offer_id,
        "offerGroupName": offer_name,
        "price": cents / 100,
        "currency": combo.currency,
        "inStock": in_stock,
        "isRequiredGameUserId": combo.needs_user,
        "isRequiredGameServerId": combo.needs_server,
        "isReturnDataForCustomer": combo.returns_key,
        "settlementMethod": settlement,
        "category": combo.category,
    }


# --- the catalog as one partner sees it ---------------------------------------------------------------


def catalog_size() -> int:
    return max(int(settings.SANDBOX_GAMESDROP_OFFERS), len(FIXED_IDS))


def last_generated_id() -> int:
    return FIRST_GENERATED_ID + catalog_size() - len(FIXED_IDS) - 1


def canonical_category(value: str) -> str | None:
    """The category a filter names, or None when it names none (an empty result, not an error)."""
    text = value.strip().lower()
    if text in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[text]
    return next((c for c in CATEGORIES if c.lower() == text), None)


@dataclass(frozen=True)
class Overrides:
    hidden: frozenset[int] = frozenset()
    prices: Mapping[int, Decimal] | None = None
    stock: Mapping[int, bool] | None = None

    def apply(self, offer: SandboxOffer) -> SandboxOffer:
        changes = {}
        if self.prices and offer.offer_id in self.prices:
            changes["price"] = self.prices[offer.offer_id]
        if self.stock and offer.offer_id in self.stock:
            changes["in_stock"] = self.stock[offer.offer_id]
        return replace(offer, **changes) if changes else offer


def offer_by_id(offer_id: int, *, overrides: Overrides | None = None) -> SandboxOffer | None:
    """The offer with this id, or None when the catalog has no such (visible) offer."""
    overrides = overrides or Overrides()
    if offer_id in overrides.hidden:
        return None
    if offer_id in FIXED_OFFERS:
        offer = FIXED_OFFERS[offer_id]
    elif FIRST_GENERATED_ID <= offer_id <= last_generated_id():
        offer = generated(offer_id)
    else:
        return None
    return overrides.apply(offer)


def _settlement_of(offer_id: int) -> str:
    return FIXED_OFFERS[offer_id].settlement if offer_id in FIXED_OFFERS else _settlement(offer_id)


def _category_of(offer_id: int) -> str:
    return FIXED_OFFERS[offer_id].category if offer_id in FIXED_OFFERS else _category(offer_id)


def _name_of(offer_id: int) -> str:
    return FIXED_OFFERS[offer_id].product_name if offer_id in FIXED_OFFERS else _product_name(offer_id)


class _AllIds(Sequence[int]):
    """Every id of the catalog in order, without building the list (the unfiltered fast path)."""

    def __init__(self, generated_count: int) -> None:
        self.generated_count = generated_count

    def __len__(self) -> int:
        return len(FIXED_IDS) + self.generated_count

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            fixed = len(FIXED_IDS)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            head = list(FIXED_IDS[start:stop]) if start < fixed else []
            offset = FIRST_GENERATED_ID - fixed
            return head + list(range(max(start, fixed) + offset, max(stop, fixed) + offset))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index < len(FIXED_IDS):
            return FIXED_IDS[index]
        return FIRST_GENERATED_ID + index - len(FIXED_IDS)


@functools.lru_cache(maxsize=32)
def _filtered_ids(
    size: int, profile: str, category: str | None, search: str, hidden: frozenset[int]
) -> tuple[int, ...]:
    allowed = COMPATIBLE[profile]
    ids: Iterable[int] = _AllIds(size - len(FIXED_IDS))
    if hidden:
        ids = (i for i in ids if i not in hidden)
    if allowed != COMPATIBLE[MIXED]:
        ids = (i for i in ids if _settlement_of(i) in allowed)
    if category is not None:
        ids = (i for i in ids if _category_of(i) == category)
    if search:
        ids = (i for i in ids if search in _name_of(i).lower())
    return tuple(ids)


def visible_ids(
    *, profile: str, category: str | None = None, search: str = "", overrides: Overrides | None = None
) -> Sequence[int]:
    """Ids a partner with `profile` sees, in id order, after the sync filters."""
    overrides = overrides or Overrides()
    size = catalog_size()
    search = search.strip().lower()
    if profile == MIXED and category is None and not search and not overrides.hidden:
        return _AllIds(size - len(FIXED_IDS))
    return _filtered_ids(size, profile, category, search, overrides.hidden)


def is_visible(offer: SandboxOffer, *, profile: str) -> bool:
    return offer.settlement in COMPATIBLE[profile]
