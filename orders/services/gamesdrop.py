"""GamesDrop purchases: checks before anything is sent, create-order exactly once, polling to the end.

Exactly once rests on two things: the NEW -> SUBMITTING compare-and-set (one sender per order) and
our transaction id, generated once per order and sent again on every retry, so GamesDrop itself
refuses a second order (TRANSACTION_DUPLICATE) that we then look up and adopt. Any answer we did not
get (timeout, dropped connection, 5xx, SERVICE_UNAVAILABLE / BALANCE_UNAVAILABLE) makes the order
OUTCOME_UNKNOWN: it is looked up by transaction id first, adopted if GamesDrop has it, and sent again
(same transaction id) only when GamesDrop answers ORDER_NOT_FOUND. Final refusals (WRONG_PRICE,
OFFER_NOT_FOUND, OUT_OF_STOCK, INSUFFICIENT_BALANCE, INVALID_TOKEN, INVALID_REQUEST_BODY) end the order
and are never retried by themselves. No network call runs inside a database transaction.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Offer
from catalog.services.offers import apply_find_one
from giftoffice.integrations import gamesdrop
from giftoffice.integrations.base import (
    AuthError,
    BadResponseError,
    IntegrationError,
    OutcomeUnknownError,
    RejectedError,
    UnavailableError,
)
from giftoffice.rows import insert
from giftoffice.transitions import InvalidTransition
from orders.models import OrderStatus, Sale, Supplier, SupplierOrder
from orders.services.errors import Refusal
from orders.services.rates import NoRateError, convert
from orders.services.sales import SaleInputError
from orders.services.status import ConcurrentMove, claim_for_submission, set_status

logger = logging.getLogger(__name__)

__all__ = [
    "CustomerInput",
    "PurchaseCheck",
    "PurchaseRefused",
    "check_customer",
    "check_purchase",
    "is_stars",
    "place_order",
    "reconcile",
    "refresh",
    "server_choices",
    "submit",
]

STARS_MIN, STARS_MAX = 1, 2500
CENT = Decimal("0.01")
OVERRIDE_MARGIN_PERM = "orders.override_margin_supplierorder"

STATUS_MAP = {
    gamesdrop.OrderStatus.SUBMITTED: OrderStatus.SUBMITTED,
    gamesdrop.OrderStatus.PROCESSING: OrderStatus.PROCESSING,
    gamesdrop.OrderStatus.COMPLETED: OrderStatus.COMPLETED,
    gamesdrop.OrderStatus.CANCELED: OrderStatus.CANCELED,
    gamesdrop.OrderStatus.FAILED: OrderStatus.FAILED,
    gamesdrop.OrderStatus.REFUND: OrderStatus.REFUNDED,
}


class PurchaseRefused(SaleInputError):
    """A check before sending failed; nothing was created or sent. The message is for staff."""


# --- checks before anything is sent ----------------------------------------------------------------


@dataclass
class PurchaseCheck:
    offer: Offer
    price: Decimal  # GamesDrop's current price (find-one): the create-order price confirmation
    currency: str
    retail: Decimal | None
    margin: Decimal | None  # retail - cost, in the retail price's currency
    retail_currency: str = ""  # what `retail` is meant in (empty: GamesDrop's currency)
    cost: Decimal | None = None  # GamesDrop's price in the retail price's currency (cents, rounded up)
    game_user_id: str | None = None
    game_server_id: str | None = None
    email: str | None = None
    telegram_username: str | None = None
    player_login: str | None = None
    balance: Decimal | None = None
    cost_usd: Decimal | None = None
    warnings: list[Refusal] = field(default_factory=list)

    @property
    def above_retail(self) -> bool:
        """The supplier would cost more than we sell for, both in our retail price's currency (or we
        cannot compare: the currencies differ and no converted cost was worked out)."""
        if self.retail is None:
            return False
        if self.cost is not None:
            return self.cost > self.retail
        return (self.retail_currency or self.currency) != self.currency or self.price > self.retail


def is_stars(offer: Offer) -> bool:
    return "telegram stars" in offer.product_name.lower()


def stars_amount(offer: Offer) -> int | None:
    match = re.search(r"(\d[\d\s,]*)\s*stars?\b", offer.name, re.IGNORECASE)
    return int(re.sub(r"\D", "", match.group(1))) if match else None


def server_choices(*, offer: Offer, client: gamesdrop.GamesDropClient | None = None) -> dict[str, str]:
    """Display label -> gameServerId, for offers that need a server; empty otherwise."""
    if not offer.requires_game_server_id:
        return {}
    return (client or gamesdrop.client()).servers(offer.offer_group_id)


CUSTOMER_FIELD_MAX = 64  # a player id or a Telegram username; what the Buy form allows
EMAIL_MAX = 254


@dataclass(frozen=True)
class CustomerInput:
    game_user_id: str | None = None
    email: str | None = None
    telegram_username: str | None = None


def check_customer(
    *, game_user_id: str | None = None, email: str | None = None, telegram_username: str | None = None
) -> CustomerInput:
    """Who the order is for, as staff or a script typed it: stripped, or PurchaseRefused.

    The one check of these fields, for the Buy form and buy_offer alike: no control or invisible
    format characters (they would reach GamesDrop and the records as they are), a bounded length,
    and an e-mail Django's validator accepts.
    """
    values = {}
    for name, label, value, limit in (
        ("game_user_id", _("game user id"), game_user_id, CUSTOMER_FIELD_MAX),
        ("email", _("e-mail"), email, EMAIL_MAX),
        ("telegram_username", _("Telegram @username"), telegram_username, CUSTOMER_FIELD_MAX),
    ):
        text = (value or "").strip() or None
        if text is not None:
            if any(unicodedata.category(char).startswith("C") for char in text):
                raise PurchaseRefused(_("%(field)s: control characters are not allowed"), field=label)
            if len(text) > limit:
                raise PurchaseRefused(_("%(field)s: at most %(max)s characters"), field=label, max=limit)
        values[name] = text
    if values["email"] is not None:
        try:
            EmailValidator()(values["email"])
        except ValidationError:
            raise PurchaseRefused(
                _("%(email)s is not a valid e-mail address"), email=repr(values["email"])
            ) from None
    return CustomerInput(**values)


def check_purchase(
    *,
    offer: Offer,
    game_user_id: str | None = None,
    game_server_id: str | None = None,
    email: str | None = None,
    telegram_username: str | None = None,
    client: gamesdrop.GamesDropClient | None = None,
) -> PurchaseCheck:
    """Every check before an order is created, or PurchaseRefused naming the first that failed.

    Reads only (find-one, servers, check-game-data, user-info, balance); the price find-one returns
    is recorded on the offer and is what create-order will confirm.
    """
    customer = check_customer(game_user_id=game_user_id, email=email, telegram_username=telegram_username)
    game_user_id, email, telegram_username = customer.game_user_id, customer.email, customer.telegram_username
    game_server_id = (game_server_id or "").strip() or None
    client = client or gamesdrop.client()
    if offer.removed_at is not None:
        raise PurchaseRefused(
            _("offer #%(id)s is no longer in the GamesDrop catalog"), id=offer.offer_group_id
        )
    if not offer.in_stock:
        raise PurchaseRefused(_("offer #%(id)s is out of stock"), id=offer.offer_group_id)
    try:
        return _check(offer, game_user_id, game_server_id, email, telegram_username, client)
    except RejectedError as exc:
        if exc.code == "OFFER_NOT_FOUND":
            raise PurchaseRefused(
                _("GamesDrop no longer offers #%(id)s to us (%(error)s)"), id=offer.offer_group_id, error=exc
            ) from exc
        raise PurchaseRefused(_("GamesDrop refused a check: %(error)s"), error=exc) from exc
    except IntegrationError as exc:
        raise PurchaseRefused(
            _("could not check with GamesDrop, nothing was bought: %(error)s"), error=exc
        ) from exc


def _check(
    offer: Offer,
    game_user_id: str | None,
    game_server_id: str | None,
    email: str | None,
    telegram_username: str | None,
    client: gamesdrop.GamesDropClient,
) -> PurchaseCheck:
    player_login = None
    verified = False
    if is_stars(offer):
        stars = stars_amount(offer)
        if stars is None or not STARS_MIN <= stars <= STARS_MAX:
            raise PurchaseRefused(
                _("Telegram Stars orders are %(min)s to %(max)s stars; this offer is %(name)s"),
                min=STARS_MIN,
                max=STARS_MAX,
                name=offer.name,
            )
        if telegram_username and not game_user_id:
            user = client.telegram_user_info(telegram_username)
            if not user.valid:
                raise PurchaseRefused(
                    _("%(username)s is not a valid Telegram username"), username=telegram_username
                )
            if user.user_id is None:
                raise PurchaseRefused(
                    _(
                        "GamesDrop cannot see the Telegram id of %(username)s: ask the user to write to "
                        "@gamesdrop_api_bot first, or give the numeric Telegram id"
                    ),
                    username=telegram_username,
                )
            game_user_id, player_login, verified = str(user.user_id), user.first_name or user.username, True
        if not game_user_id:
            raise PurchaseRefused(_("Telegram Stars need the recipient's @username or numeric Telegram id"))
        if not game_user_id.isdigit():
            raise PurchaseRefused(_("Telegram id %(id)s must be digits"), id=repr(game_user_id))
    elif offer.requires_game_user_id and not game_user_id:
        raise PurchaseRefused(_("offer #%(id)s needs the player's game user id"), id=offer.offer_group_id)
    if offer.requires_game_server_id:
        servers = client.servers(offer.offer_group_id)
        if not game_server_id:
            listed = ", ".join(f"{label} ({value})" for label, value in servers.items())
            raise PurchaseRefused(
                _("offer #%(id)s needs a server: one of %(servers)s"), id=offer.offer_group_id, servers=listed
            )
        game_server_id = servers.get(game_server_id, game_server_id)  # a label is taken for its id
        if game_server_id not in servers.values():
            raise PurchaseRefused(
                _("unknown server %(server)s for offer #%(id)s"),
                server=repr(game_server_id),
                id=offer.offer_group_id,
            )
    if game_user_id and not verified and (offer.requires_game_user_id or is_stars(offer)):
        result = client.check_game_data(
            offer_id=offer.offer_group_id, game_user_id=game_user_id, game_server_id=game_server_id
        )
        if not result.valid:
            raise PurchaseRefused(
                _("GamesDrop says player %(player)s is not valid for this offer (INVALID)"),
                player=game_user_id,
            )
        player_login = result.game_user_login
    info = client.find_one(offer.offer_group_id)
    apply_find_one(offer=offer, info=info)  # a new price or currency is recorded (and alerted) here
    offer.refresh_from_db()
    retail, retail_currency = offer.effective_retail_price, offer.effective_retail_currency
    cost = None if retail is None else _cost_in(info.price, info.currency, retail_currency)
    check = PurchaseCheck(
        offer=offer,
        price=info.price,
        currency=info.currency,
        retail=retail,
        margin=None if retail is None or cost is None else retail - cost,
        retail_currency=retail_currency,
        cost=cost,
        game_user_id=game_user_id,
        game_server_id=game_server_id,
        email=email,
        telegram_username=telegram_username,
        player_login=player_login,
    )
    if retail is None:
        check.warnings.append(Refusal(_("no retail price set for this offer: margin unknown")))
    _check_balance(check, client.balance())
    return check


def _cost_in(price: Decimal, currency: str, retail_currency: str) -> Decimal:
    """GamesDrop's price in our retail price's currency: the margin guard compares one currency. The
    supplier may have changed the offer's currency since the retail price was set; without a rate the
    purchase is refused (nothing to compare, so no way to tell a loss)."""
    if currency.strip().upper() == retail_currency.strip().upper():
        return price
    try:
        converted = convert(
            amount=price, from_currency=currency, to_currency=retail_currency, at=timezone.now()
        )
    except NoRateError as exc:
        raise PurchaseRefused(
            _(
                "GamesDrop now prices this offer in %(currency)s but our retail price is in "
                "%(retail_currency)s, and there is no exchange rate to compare them (%(error)s): "
                "import the rate or set the retail price again"
            ),
            currency=currency,
            retail_currency=retail_currency,
            error=exc.reason,
        ) from exc
    return converted.quantize(CENT, ROUND_UP)  # rounded against us: the guard errs on refusing


def _check_balance(check: PurchaseCheck, balance: gamesdrop.Balance) -> None:
    check.balance = balance.balance
    rate = settings.GAMESDROP_USD_RATES.get(check.currency.upper())
    if rate is None:
        check.warnings.append(
            Refusal(
                _("no USD rate for %(currency)s: the balance could not be compared"), currency=check.currency
            )
        )
        return
    check.cost_usd = (check.price * Decimal(rate)).quantize(Decimal("0.01"), ROUND_UP)
    if not balance.is_postpaid and balance.balance < check.cost_usd:
        raise PurchaseRefused(
            _(
                "GamesDrop balance %(balance)s USD is below this order's cost "
                "of about %(cost)s USD: top up first"
            ),
            balance=f"{balance.balance:.2f}",
            cost=check.cost_usd,
        )


def place_order(
    *,
    check: PurchaseCheck,
    user: Any = None,
    override_margin: bool = False,
    buyer_id: int | None = None,
    amount_paid: Decimal | None = None,
    currency: str = "",
    queued: bool = False,
    gift: Any = None,
) -> SupplierOrder:
    """Create the sale and its NEW GamesDrop order from a passed check. `queued`: the caller queues its
    send in the same transaction (`orders.services.queue.place_order`), so the poller's fallback is set.

    The margin guard is here, at the last step: a supplier cost above our retail price is refused
    unless `override_margin` is asked for by someone allowed to (the override permission).
    """
    if check.above_retail:
        if not override_margin:
            retail_currency = check.retail_currency or check.currency
            if retail_currency == check.currency or check.cost is None:
                raise PurchaseRefused(
                    _(
                        "GamesDrop's price %(price)s %(currency)s is above our retail price "
                        "%(retail)s %(retail_currency)s: buying would lose money"
                    ),
                    price=_money(check.price),
                    currency=check.currency,
                    retail=check.retail,
                    retail_currency=retail_currency,
                )
            raise PurchaseRefused(
                _(
                    "GamesDrop's price %(price)s %(currency)s (%(cost)s %(retail_currency)s at the "
                    "current rate) is above our retail price %(retail)s %(retail_currency)s: "
                    "buying would lose money"
                ),
                price=_money(check.price),
                currency=check.currency,
                cost=check.cost,
                retail=check.retail,
                retail_currency=retail_currency,
            )
        if user is not None and not user.has_perm(OVERRIDE_MARGIN_PERM):
            raise PurchaseRefused(_("buying above our retail price needs the margin override permission"))
    request = {
        key: value
        for key, value in {
            "game_user_id": check.game_user_id,
            "game_server_id": check.game_server_id,
            "email": check.email,
            "telegram_username": check.telegram_username,
            "player_login": check.player_login,
        }.items()
        if value
    }
    # giftoffice.rows.insert: `objects.create` without its per-call compilation (bench/purchases.py).
    with transaction.atomic():
        sale = insert(
            Sale(
                buyer_id=buyer_id,
                recipient_id=int(check.game_user_id)
                if is_stars(check.offer) and check.game_user_id
                else None,
                amount_paid=amount_paid,
                currency=currency,
                gift=gift,  # the gift of our catalog sold ("Sell…"), if any
                created_by=user if getattr(user, "pk", None) else None,
            )
        )
        order = insert(
            SupplierOrder(
                sale=sale,
                supplier=Supplier.GAMESDROP,
                offer=check.offer,
                price=check.price,
                currency=check.currency,
                request=request,
                # If the queued send is lost, the poller sends it after this (the claim keeps it to one).
                next_poll_at=timezone.now() + timedelta(seconds=settings.ORDERS_SUBMITTING_STALE_SECONDS)
                if queued
                else None,
            )
        )
    return order


# --- sending, looking up, polling ------------------------------------------------------------------


def is_stale(order: SupplierOrder, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return order.updated_at < now - timedelta(seconds=settings.ORDERS_SUBMITTING_STALE_SECONDS)


def next_poll(polls: int, now: datetime | None = None) -> datetime:
    """Backoff: the first check soon, then doubling up to the cap (top-ups can take an hour)."""
    delay = min(settings.ORDERS_POLL_MAX_SECONDS, settings.ORDERS_POLL_FIRST_SECONDS * (2 ** min(polls, 20)))
    return (now or timezone.now()) + timedelta(seconds=delay)


def submit(
    *, order: SupplierOrder, actor: Any = None, client: gamesdrop.GamesDropClient | None = None
) -> SupplierOrder:
    """Send the order if it is NEW (one caller wins the claim). A send found SUBMITTING for longer
    than any send takes lost its worker: it is looked up, never blindly sent again."""
    client = client or gamesdrop.client()
    if claim_for_submission(order=order, actor=actor):
        return _create(order, actor, client)
    order.refresh_from_db()
    if order.status == OrderStatus.SUBMITTING and is_stale(order):
        return reconcile(order=order, actor=actor, client=client, resend=True)
    return order


def _customer(order: SupplierOrder) -> gamesdrop.Customer:
    request = order.request or {}
    return gamesdrop.Customer(
        email=request.get("email"),
        game_user_id=request.get("game_user_id"),
        game_server_id=request.get("game_server_id"),
    )


def _create(order: SupplierOrder, actor: Any, client: gamesdrop.GamesDropClient) -> SupplierOrder:
    offer = order.offer
    req = gamesdrop.OrderRequest(
        offer_id=offer.offer_group_id,
        price=order.price,
        transaction_id=order.transaction_id,
        customer=_customer(order),
    )
    try:
        answer = client.create_order(req)
    except RejectedError as exc:
        if exc.code == "TRANSACTION_DUPLICATE":
            # Ours went through earlier (a lost answer): adopt it, never fail the order for it.
            return reconcile(order=order, actor=actor, client=client, resend=False)
        return _refused(order, exc, actor, client)
    except AuthError as exc:
        return _move(
            order, OrderStatus.CANCELED, actor, f"GamesDrop refused our token, nothing was bought: {exc}"
        )
    except (OutcomeUnknownError, UnavailableError, BadResponseError) as exc:
        _move(
            order,
            OrderStatus.OUTCOME_UNKNOWN,
            actor,
            f"no usable answer to create-order ({exc}); looking the order up by transaction id",
            next_poll_at=next_poll(0),
        )
        return reconcile(order=order, actor=actor, client=client, resend=False)
    return adopt(order=order, answer=answer, actor=actor)


def _refused(
    order: SupplierOrder, exc: RejectedError, actor: Any, client: gamesdrop.GamesDropClient
) -> SupplierOrder:
    answer: dict[str, Any] = {"code": exc.code, "message": exc.message}
    message = f"GamesDrop refused the order: {exc}"
    if exc.code == "WRONG_PRICE":
        try:
            info = client.find_one(order.offer.offer_group_id)
        except IntegrationError as lookup:
            message = f"price changed (GamesDrop: {exc.message}); the new price could not be read: {lookup}"
        else:
            apply_find_one(offer=order.offer, info=info)
            answer["new_price"] = f"{info.price} {info.currency}"
            message = (
                f"price changed from {_money(order.price)} {order.currency} "
                f"to {_money(info.price)} {info.currency}; place a new order at the new price"
            )
    elif exc.code == "OFFER_NOT_FOUND":
        Offer.objects.filter(pk=order.offer_id, removed_at__isnull=True).update(
            removed_at=timezone.now(), updated_at=timezone.now()
        )
    return _move(order, OrderStatus.CANCELED, actor, message, answer=answer, next_poll_at=None)


def _money(value: Decimal | None) -> str:
    return "?" if value is None else f"{value.normalize():f}"


def reconcile(
    *,
    order: SupplierOrder,
    actor: Any = None,
    client: gamesdrop.GamesDropClient | None = None,
    resend: bool = True,
) -> SupplierOrder:
    """Look the order up by our transaction id: adopt GamesDrop's order if it has one; if it answers
    ORDER_NOT_FOUND, send again with the same transaction id (when `resend`, within the attempts).

    Only the send the caller saw is looked after: one claimed again since (its claim moved) belongs to
    the worker that claimed it, and a resend never starts beside a send still in flight (SUBMITTING
    and not stale)."""
    client = client or gamesdrop.client()
    seen_claim = order.claim
    order.refresh_from_db()
    if order.status not in (OrderStatus.SUBMITTING, OrderStatus.OUTCOME_UNKNOWN):
        return order
    if order.claim != seen_claim or (
        resend and order.status == OrderStatus.SUBMITTING and not is_stale(order)
    ):
        return order
    try:
        answer = client.order_status(transaction_id=order.transaction_id)
    except RejectedError as exc:
        if exc.code != "ORDER_NOT_FOUND":
            return _still_unknown(order, actor, f"the lookup was refused: {exc}")
        if not resend:
            return _still_unknown(
                order, actor, "GamesDrop has no order with our transaction id yet; it will be sent again"
            )
        if order.attempts >= settings.ORDERS_MAX_ATTEMPTS:
            return _still_unknown(
                order,
                actor,
                f"GamesDrop has no order with our transaction id after {order.attempts} attempts; "
                "left for staff (retry or resolve)",
                give_up=True,
            )
        try:
            _move(
                order,
                OrderStatus.NEW,
                actor,
                "GamesDrop has no order with our transaction id (ORDER_NOT_FOUND): "
                "sending again with the same one",
            )
        except (ConcurrentMove, InvalidTransition):
            order.refresh_from_db()
            return order
        return submit(order=order, actor=actor, client=client)
    except IntegrationError as exc:
        return _still_unknown(order, actor, f"the lookup failed: {exc}")
    return adopt(order=order, answer=answer, actor=actor)


def _still_unknown(order: SupplierOrder, actor: Any, message: str, *, give_up: bool = False) -> SupplierOrder:
    when = None if give_up else next_poll(order.polls)
    if order.status == OrderStatus.SUBMITTING:
        try:
            return _move(
                order, OrderStatus.OUTCOME_UNKNOWN, actor, message, next_poll_at=when, polls=order.polls + 1
            )
        except (ConcurrentMove, InvalidTransition):
            order.refresh_from_db()
            return order
    SupplierOrder.objects.filter(pk=order.pk, status=order.status, claim=order.claim).update(
        next_poll_at=when, polls=order.polls + 1, supplier_message=message, updated_at=timezone.now()
    )
    order.refresh_from_db()
    return order


def adopt(*, order: SupplierOrder, answer: gamesdrop.Order, actor: Any = None) -> SupplierOrder:
    """Take GamesDrop's view of the order: its id, status, key and message."""
    target = STATUS_MAP[answer.status]
    fields: dict[str, Any] = {"supplier_order_id": str(answer.order_id)}
    if answer.price is not None and answer.currency:
        fields.update(price=answer.price, currency=answer.currency)
    if answer.key:
        fields["activation_key"] = answer.key
    final = answer.status.is_final
    fields["next_poll_at"] = None if final else next_poll(order.polls)
    message = _message_for(answer)
    if final or target != order.status:
        fields["supplier_message"] = answer.message or ""
    if target == order.status:
        SupplierOrder.objects.filter(pk=order.pk, status=order.status, claim=order.claim).update(
            polls=order.polls + 1, updated_at=timezone.now(), **fields
        )
        order.refresh_from_db()
        return order
    try:
        return _move(order, target, actor, message, answer=_answer(answer), polls=order.polls + 1, **fields)
    except (ConcurrentMove, InvalidTransition) as exc:
        # Another worker moved it first (or GamesDrop went backwards, e.g. PROCESSING -> SUBMITTED).
        logger.info("order %s: not adopting %s (%s)", order.pk, answer.status, exc)
        order.refresh_from_db()
        return order


def _message_for(answer: gamesdrop.Order) -> str:
    status = answer.status
    if status == gamesdrop.OrderStatus.COMPLETED:
        if answer.key:
            return f"GamesDrop order {answer.order_id} completed; activation key stored encrypted"
        return f"GamesDrop order {answer.order_id} completed"
    if status.is_final:
        return f"GamesDrop order {answer.order_id} ended {status.value}: {answer.message or 'no message'}"
    return f"GamesDrop order {answer.order_id} is {status.value}"


def _answer(answer: gamesdrop.Order) -> dict[str, Any]:
    """The answer as stored in the event: no key (the scrub would mask it; we never keep it twice)."""
    return {
        "orderId": answer.order_id,
        "status": answer.status.value,
        "price": None if answer.price is None else str(answer.price),
        "currency": answer.currency,
        "message": answer.message,
        "hasKey": bool(answer.key),
        "fulfillmentData": answer.fulfillment_data,
    }


def refresh(
    *, order: SupplierOrder, actor: Any = None, client: gamesdrop.GamesDropClient | None = None
) -> SupplierOrder:
    """One status check of an open order (SUBMITTED / PROCESSING); the next one is scheduled with backoff."""
    client = client or gamesdrop.client()
    if order.status == OrderStatus.OUTCOME_UNKNOWN or (
        order.status == OrderStatus.SUBMITTING and is_stale(order)
    ):
        return reconcile(order=order, actor=actor, client=client, resend=False)
    if order.status not in (OrderStatus.SUBMITTED, OrderStatus.PROCESSING):
        return order
    try:
        if order.supplier_order_id.isdigit():
            answer = client.order_status(order_id=int(order.supplier_order_id))
        else:
            answer = client.order_status(transaction_id=order.transaction_id)
    except IntegrationError as exc:
        SupplierOrder.objects.filter(pk=order.pk, status=order.status, claim=order.claim).update(
            next_poll_at=next_poll(order.polls),
            polls=order.polls + 1,
            supplier_message=f"status check failed: {exc}",
            updated_at=timezone.now(),
        )
        order.refresh_from_db()
        return order
    return adopt(order=order, answer=answer, actor=actor)


def _move(
    order: SupplierOrder, to: str, actor: Any, message: str, *, answer: Any = None, **fields: Any
) -> SupplierOrder:
    fields.setdefault("supplier_message", message)
    if to not in (OrderStatus.SUBMITTED, OrderStatus.PROCESSING, OrderStatus.OUTCOME_UNKNOWN):
        fields.setdefault("next_poll_at", None)
    return set_status(order=order, to=to, actor=actor, message=message, supplier_answer=answer, **fields)
