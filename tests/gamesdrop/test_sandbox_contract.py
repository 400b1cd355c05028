"""The GamesDrop sandbox against the guide (gamesdrop.md), example by example, over real HTTP."""

from decimal import Decimal

import pytest
import requests
from django.conf import settings

from giftoffice.integrations.base import AuthError, OutcomeUnknownError, RejectedError, UnavailableError
from giftoffice.integrations.gamesdrop import (
    Balance,
    Customer,
    GameDataCheck,
    OfferInfo,
    OrderRequest,
    OrderStatus,
    SettlementMethod,
    TelegramUser,
)
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import GamesDropOrder, GamesDropTransaction
from giftoffice.sandbox.providers import gamesdrop_state

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTED_SYNC_FIELDS = {
    "productId",
    "productName",
    "offerGroupId",
    "offerGroupName",
    "price",
    "currency",
    "inStock",
    "isRequiredGameUserId",
    "isRequiredGameServerId",
}


def raw(sandbox: str, path: str, body=None, *, method: str = "POST", token: str | None = None):
    headers = {"Authorization": settings.GAMESDROP_TOKEN if token is None else token}
    if method == "GET":
        return requests.get(f"{sandbox}/gamesdrop/{path}", headers=headers, timeout=5)
    data = body if isinstance(body, bytes | str) else None
    return requests.post(
        f"{sandbox}/gamesdrop/{path}", json=None if data else body, data=data, headers=headers, timeout=5
    )


def order(offer_id: int, price: str, tx: str, **customer) -> OrderRequest:
    return OrderRequest(
        offer_id=offer_id, price=Decimal(price), transaction_id=tx, customer=Customer(**customer)
    )


def reject_code(call) -> str:
    with pytest.raises(RejectedError) as info:
        call()
    return info.value.code


# --- authorization ------------------------------------------------------------------------------------


def test_shop_token_is_required_exactly(gd, sandbox):
    # when
    wrong = raw(sandbox, "api/v1/offers/balance", method="GET", token="not-the-token")
    bearer = raw(sandbox, "api/v1/offers/balance", method="GET", token=f"Bearer {settings.GAMESDROP_TOKEN}")
    missing = requests.get(f"{sandbox}/gamesdrop/api/v1/offers/balance", timeout=5)

    # then
    for response in (wrong, bearer, missing):
        assert (response.status_code, response.json()["code"]) == (401, "INVALID_TOKEN")


def test_wrong_token_is_an_auth_error_that_never_shows_the_token(sandbox, catalog_size, settings):
    settings.GAMESDROP_TOKEN = "sandbox-gamesdrop-token"
    from giftoffice.integrations.gamesdrop import GamesDropClient

    client = GamesDropClient(base_url=settings.GAMESDROP_BASE_URL, token="abcdef1234567890abcdef1234567890")

    with pytest.raises(AuthError) as info:
        client.balance()

    assert str(info.value) == "gamesdrop: [INVALID_TOKEN] Invalid authorization token (HTTP 401)"
    assert info.value.code == "INVALID_TOKEN"
    assert "abcdef1234567890" not in repr(info.value.__dict__)


def test_jwt_balance_endpoint_refuses_the_shop_token(sandbox, gd):
    response = raw(sandbox, "api/v1/balance", method="GET")

    assert (response.status_code, response.json()["code"]) == (401, "INVALID_TOKEN")


# --- balance and transactions -----------------------------------------------------------------------------


def test_balance_example(gd, sandbox):
    # given the account of the guide's example
    gamesdrop_state.set_account(balance="500.25", profile="USDT", partner_id=123)

    # when
    body = raw(sandbox, "api/v1/offers/balance", method="GET").json()

    # then
    assert body == {
        "balance": 500.25,
        "draftBalance": 0.0,
        "isPostpaid": False,
        "balanceProfile": "USDT",
        "currency": {"id": 3, "code": "USD"},
        "partnerId": 123,
    }
    assert gd.balance() == Balance(
        balance=Decimal("500.25"),
        draft_balance=Decimal("0.0"),
        is_postpaid=False,
        balance_profile=SettlementMethod.USDT,
        currency="USD",
        partner_id=123,
    )


def test_transactions_list_every_purchase_and_refund_newest_first_with_paging(gd):
    # given a completed key order (RUB converted to USD) and a canceled one (refunded)
    gamesdrop_state.set_account(balance="100.00")
    gd.create_order(order(1001, "560.10", "tx-1"))
    gd.create_order(order(970, "10.50", "tx-2"))
    for _ in range(2):
        gd.order_status(transaction_id="tx-2")

    # when
    first = gd.transactions(page=1, limit=2)
    second = gd.transactions(page=2, limit=2)

    # then
    assert first.total == second.total == 3
    assert [(t.type, t.amount, t.balance_after) for t in first.transactions + second.transactions] == [
        ("REFUND", Decimal("10.5"), Decimal("93.84")),
        ("PURCHASE", Decimal("-10.5"), Decimal("83.34")),
        ("PURCHASE", Decimal("-6.16"), Decimal("93.84")),
    ]
    assert first.transactions[1].description == "API Purchase - Google Play US 10 USD"
    assert first.transactions[0].created_at is not None


def test_transactions_reject_a_non_numeric_page(sandbox, gd):
    response = raw(sandbox, "api/v1/balance/transactions?page=x", method="GET")

    assert (response.status_code, response.json()["code"]) == (400, "INVALID_REQUEST_BODY")


# --- product information -------------------------------------------------------------------------------


def test_find_one_example(gd):
    gamesdrop_state.set_account(profile="USDT")

    assert gd.find_one(1001) == OfferInfo(
        offer_id=1001,
        product_name="PUBG MOBILE GIFT",
        offer_name="60 UC",
        count=1,
        price=Decimal("560.1"),
        currency="RUB",
        settlement_method=SettlementMethod.USDT,
        balance_profile=SettlementMethod.USDT,
        is_settlement_compatible=True,
        returns_key=True,
    )


def test_offer_id_must_be_a_number_not_a_string(sandbox, gd):
    for path in ("api/v1/offers/find-one", "api/v1/offers/servers", "api/v1/offers/check-game-data"):
        response = raw(sandbox, path, {"offerId": "1001", "gameUserId": "52357322414"})

        assert (response.status_code, response.json()["code"]) == (400, "INVALID_REQUEST_BODY"), path
    response = raw(
        sandbox,
        "api/v1/offers/create-order",
        {"offerId": "1001", "price": 560.10, "transactionId": "s1", "customer": {}},
    )
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_REQUEST_BODY")


def test_unknown_offer_is_offer_not_found(gd):
    assert reject_code(lambda: gd.find_one(424242424)) == "OFFER_NOT_FOUND"


def test_body_that_is_not_json_is_invalid_request_body(sandbox, gd):
    response = raw(sandbox, "api/v1/offers/find-one", b"{offerId: 1001")

    assert response.json() == {"code": "INVALID_REQUEST_BODY", "message": "Request body is not valid JSON"}


def test_wrong_method_answers_405_in_the_error_envelope(sandbox, gd):
    response = raw(sandbox, "api/v1/offers/find-one", method="GET")

    assert (response.status_code, response.json()["code"]) == (405, "METHOD_NOT_ALLOWED")


# --- catalog sync ----------------------------------------------------------------------------------------


def test_sync_example_filters_by_category_and_search(gd):
    # when: the guide's request
    page = gd.sync_page(limit=1000, page=1, category="Top Up", search="genshin")

    # then
    assert page.count == len(page.rows) > 0
    assert {row.category for row in page.rows} == {"Top Up"}
    assert all("genshin" in row.product_name.lower() for row in page.rows)


def test_sync_rows_carry_the_documented_fields(sandbox, gd):
    body = raw(sandbox, "api/v1/offers/sync", {"limit": 5, "page": 1}).json()

    assert body["count"] == 60
    assert len(body["rows"]) == 5
    for row in body["rows"]:
        assert row.keys() >= DOCUMENTED_SYNC_FIELDS
    assert body["rows"][0] == {
        "productId": 5,
        "productName": "PUBG Mobile",
        "offerGroupId": 101,
        "offerGroupName": "60 UC",
        "price": 0.99,
        "currency": "USD",
        "inStock": True,
        "isRequiredGameUserId": True,
        "isRequiredGameServerId": False,
        "isReturnDataForCustomer": False,
        "settlementMethod": "MIXED",
        "category": "Top Up",
    }


def test_legacy_category_aliases_select_the_same_offers(gd):
    def ids(category):
        return [row.offer_group_id for row in gd.sync_page(limit=5000, category=category).rows]

    assert ids("TOP_UP") == ids("Top Up") != []
    assert ids("GIFT_CARD") == ids("Gift Cards") != []
    assert set(ids("TOP_UP")).isdisjoint(ids("GIFT_CARD"))
    assert len(ids("TOP_UP")) + len(ids("GIFT_CARD")) == 60


def test_unknown_category_is_an_empty_feed(gd):
    page = gd.sync_page(category="Vouchers")

    assert (page.count, page.rows) == (0, [])


def test_sync_limit_above_5000_is_invalid(sandbox, gd):
    response = raw(sandbox, "api/v1/offers/sync", {"limit": 5001, "page": 1})

    assert response.json() == {"code": "INVALID_REQUEST_BODY", "message": "limit must be between 1 and 5000"}


def test_sync_default_limit_is_1000(sandbox, gd, catalog_size):
    catalog_size(1200)

    body = raw(sandbox, "api/v1/offers/sync", {}).json()

    assert (body["count"], len(body["rows"])) == (1200, 1000)


def test_page_after_the_last_is_empty(gd):
    page = gd.sync_page(page=3, limit=30)

    assert (page.count, page.rows) == (60, [])


@pytest.mark.parametrize(
    ("profile", "hidden", "visible"),
    [("USDT", 961, 962), ("FIAT", 962, 961), ("MIXED", None, 961)],
)
def test_balance_profile_hides_incompatible_offers(gd, profile, hidden, visible):
    # given 961 settles in FIAT only and 962 in USDT only
    gamesdrop_state.set_account(profile=profile, balance="100")

    # when
    synced = {row.offer_group_id for row in gd.sync_page(limit=5000).rows}

    # then
    assert visible in synced
    assert gd.find_one(visible).offer_id == visible
    if hidden is not None:
        assert hidden not in synced
        assert reject_code(lambda: gd.find_one(hidden)) == "OFFER_NOT_FOUND"
        attempt = order(hidden, "0.99", "direct", game_user_id="52357322414", game_server_id="os_euro")
        assert reject_code(lambda: gd.create_order(attempt)) == "OFFER_NOT_FOUND"


# --- orders ---------------------------------------------------------------------------------------------


def test_create_order_example_moves_to_completed_over_polls_and_returns_the_key_only_then(gd):
    # when: the guide's create-order example
    created = gd.create_order(
        order(1001, "560.10", "test112321124214", email="user@gmail.com", game_user_id="52357322414")
    )
    polls = [gd.order_status(order_id=created.order_id) for _ in range(3)]

    # then
    assert [created.status, *(p.status for p in polls)] == [
        "SUBMITTED",
        "PROCESSING",
        "COMPLETED",
        "COMPLETED",
    ]
    assert (created.key, polls[0].key) == (None, None)
    assert polls[1].key is not None
    assert polls[1].key == polls[2].key
    assert (created.offer_id, created.product_name, created.offer_name, created.count) == (
        1001,
        "PUBG MOBILE GIFT",
        "60 UC",
        1,
    )
    assert (created.price, created.currency, created.returns_key) == (Decimal("560.1"), "RUB", True)
    assert gd.order_status(transaction_id="test112321124214").order_id == created.order_id


def test_price_in_rub_is_converted_to_the_usd_balance(gd):
    gamesdrop_state.set_account(balance="10.00")

    gd.create_order(order(1001, "560.10", "rub"))

    # 560.10 RUB x 0.011 = 6.16 USD
    assert gd.balance().balance == Decimal("3.84")


def test_direct_top_up_completes_without_a_key(gd):
    created = gd.create_order(order(962, "95.00", "ff-1", game_user_id="52357322414"))
    final = [gd.order_status(order_id=created.order_id) for _ in range(2)][-1]

    assert (final.status, final.returns_key, final.key) == ("COMPLETED", False, None)
    assert final.requires_game_user_id is True


def test_direct_top_up_needs_the_player_id_and_a_listed_server(gd):
    def attempt(tx, **customer):
        return reject_code(lambda: gd.create_order(order(960, "1.99", tx, **customer)))

    assert attempt("a") == "INVALID_REQUEST_BODY"  # no gameUserId
    assert attempt("b", game_user_id="52357322414") == "INVALID_REQUEST_BODY"  # no server
    assert attempt("c", game_user_id="52357322414", game_server_id="os_mars") == "INVALID_REQUEST_BODY"
    accepted = gd.create_order(order(960, "1.99", "d", game_user_id="52357322414", game_server_id="os_euro"))
    assert accepted.status == "SUBMITTED"


def test_wrong_price_is_refused_and_nothing_is_charged(gd):
    before = gd.balance().balance

    with pytest.raises(RejectedError) as info:
        gd.create_order(order(1001, "560.11", "wp"))

    assert (info.value.code, info.value.status) == ("WRONG_PRICE", 400)
    assert "560.10 RUB" in info.value.message
    assert gd.balance().balance == before
    assert not GamesDropOrder.objects.exists()


def test_price_confirmed_before_a_price_change_is_wrong_price(gd):
    price = gd.find_one(1001).price
    gamesdrop_state.set_offer(1001, price="575.00")

    assert reject_code(lambda: gd.create_order(order(1001, str(price), "moved"))) == "WRONG_PRICE"
    assert gd.create_order(order(1001, "575.00", "refreshed")).status == "SUBMITTED"


def test_transaction_id_is_unique(gd):
    gd.create_order(order(999, "23.09", "dup"))

    with pytest.raises(RejectedError) as info:
        gd.create_order(order(1001, "560.10", "dup"))

    assert (info.value.code, info.value.status) == ("TRANSACTION_DUPLICATE", 409)


def test_insufficient_balance_unless_postpaid(gd):
    gamesdrop_state.set_account(balance="5.00")

    assert reject_code(lambda: gd.create_order(order(1001, "560.10", "poor"))) == "INSUFFICIENT_BALANCE"

    gamesdrop_state.set_account(is_postpaid=True)
    assert gd.create_order(order(1001, "560.10", "postpaid")).status == "SUBMITTED"
    assert gd.balance().balance == Decimal("-1.16")


def test_out_of_stock_offer_cannot_be_ordered(gd):
    assert reject_code(lambda: gd.create_order(order(973, "15.30", "oos"))) == "OUT_OF_STOCK"


@pytest.mark.parametrize(
    ("offer_id", "price", "final", "message"),
    [
        (970, "10.50", "CANCELED", "Supplier could not fulfil the order; funds returned to your balance"),
        (971, "26.10", "FAILED", "Internal system error; funds returned to your balance"),
        (972, "20.40", "REFUND", "Order refunded by the supplier"),
    ],
)
def test_some_offers_end_badly_and_are_refunded(gd, offer_id, price, final, message):
    before = gd.balance().balance
    created = gd.create_order(order(offer_id, price, f"bad-{offer_id}"))

    statuses = [gd.order_status(order_id=created.order_id) for _ in range(3)]

    assert [s.status for s in statuses] == ["PROCESSING", final, final]
    assert (statuses[-1].message, statuses[-1].key) == (message, None)
    assert OrderStatus(final).is_final
    assert gd.balance().balance == before
    assert [t.type for t in gd.transactions().transactions] == ["REFUND", "PURCHASE"]


def test_order_status_of_an_unknown_order(sandbox, gd):
    assert reject_code(lambda: gd.order_status(order_id=1)) == "ORDER_NOT_FOUND"
    assert reject_code(lambda: gd.order_status(transaction_id="never")) == "ORDER_NOT_FOUND"
    response = raw(sandbox, "api/v1/offers/order-status", {})
    assert response.json() == {
        "code": "INVALID_REQUEST_BODY",
        "message": "orderId or transactionId is required",
    }


# --- the test offer ----------------------------------------------------------------------------------------


def test_test_offer_999_example(gd):
    before = gd.balance().balance

    info = gd.find_one(999)
    created = gd.create_order(
        order(999, "23.09", "test_123456", email="test@example.com", game_user_id="123456789")
    )

    assert (info.product_name, info.offer_name, info.price, info.currency, info.returns_key) == (
        "Steam US",
        "TEST OFFER GROUP",
        Decimal("23.09"),
        "KZT",
        True,
    )
    assert created.status == "COMPLETED"
    assert created.key
    assert gd.balance().balance == before  # "without real fund deduction"
    assert gd.check_game_data(offer_id=999, game_user_id="anything") == GameDataCheck(True, "TestPlayer")


# --- Telegram Stars ---------------------------------------------------------------------------------------


def test_stars_to_a_known_user_complete_at_once_with_fulfillment_data(gd):
    created = gd.create_order(
        order(951, "0.77", "tg_stars_12345", email="user@example.com", game_user_id="143594291")
    )

    assert (created.status, created.key, created.offer_name) == ("COMPLETED", None, "100 Stars")
    assert created.fulfillment_data == {
        "telegram_user_id": 143594291,
        "stars_amount": 100,
        "transaction_id": f"tg_tx_{created.order_id}",
        "delivery_status": "completed",
    }


def test_stars_to_an_unknown_user_are_canceled_with_user_not_found_and_refunded(gd):
    before = gd.balance().balance

    created = gd.create_order(order(951, "0.77", "tg-unknown", game_user_id="123456789"))

    assert created.status == "CANCELED"
    assert created.message == "Failed to deliver Stars: user not found"
    assert created.fulfillment_data == {
        "telegram_user_id": 123456789,
        "stars_amount": 100,
        "delivery_status": "failed",
        "error_message": "user not found",
    }
    assert gd.balance().balance == before
    assert GamesDropTransaction.objects.filter(type="REFUND", amount=Decimal("0.77")).count() == 1


def test_stars_need_a_numeric_telegram_id_and_1_to_2500_stars(gd):
    assert reject_code(lambda: gd.create_order(order(951, "0.77", "s1", game_user_id="@igoryan34"))) == (
        "INVALID_REQUEST_BODY"
    )
    assert reject_code(lambda: gd.create_order(order(956, "23.10", "s2", game_user_id="143594291"))) == (
        "INVALID_REQUEST_BODY"
    )
    assert gd.create_order(order(954, "0.01", "s3", game_user_id="143594291")).status == "COMPLETED"
    assert gd.create_order(order(955, "19.25", "s4", game_user_id="143594291")).status == "COMPLETED"


def test_stars_offers_are_found_by_search_as_the_guide_does(gd):
    rows = gd.sync_page(limit=5000, page=1, search="Telegram Stars").rows

    assert {row.offer_group_name for row in rows} >= {"50 Stars", "100 Stars", "500 Stars", "1000 Stars"}


# --- servers, players, Telegram users ----------------------------------------------------------------------


def test_servers_on_both_paths(gd):
    expected = {"Europe": "os_euro", "America": "os_usa", "Asia": "os_asia"}

    assert gd.servers(960) == gd.servers(960, partner_path=True) == expected
    assert gd.servers(1001) == {}


def test_check_game_data(gd):
    assert gd.check_game_data(offer_id=960, game_user_id="52357322414", game_server_id="os_euro") == (
        GameDataCheck(valid=True, game_user_login="Player2414")
    )
    assert (
        gd.check_game_data(offer_id=960, game_user_id="52357322414", game_server_id="nowhere").valid is False
    )
    assert gd.check_game_data(offer_id=962, game_user_id="bad id").valid is False
    assert gd.check_game_data(offer_id=951, game_user_id="143594291") == GameDataCheck(True, "igoryan34")


def test_telegram_user_info_examples(gd):
    verified = TelegramUser(
        valid=True,
        username="igoryan34",
        user_id=143594291,
        first_name="Igor",
        photo_url=gd.telegram_user_info("143594291").photo_url,
        message="User account verified successfully",
    )

    assert gd.telegram_user_info("@igoryan34") == verified
    assert gd.telegram_user_info("igoryan34") == verified
    hidden = gd.telegram_user_info("@someone_else")
    assert (hidden.valid, hidden.user_id, hidden.first_name) == (True, None, "someone_else")
    assert hidden.message.startswith("Username format is valid, but user details are not publicly available")
    assert gd.telegram_user_info("@x!").valid is False


def test_telegram_user_info_lives_at_the_aggregator_path(sandbox, gd):
    response = raw(sandbox, "api/aggregator/a6/telegram/user-info", {"username": "@igoryan34"})

    assert response.json()["userInfo"]["id"] == 143594291


# --- faults answer in the same envelope -----------------------------------------------------------------


def test_fault_503_on_a_read_is_retried(gd):
    faults.arm(provider="gamesdrop", kind="http_503", path="offers/find-one", count=1)

    assert gd.find_one(1001).offer_id == 1001


def test_fault_503_is_service_unavailable_when_retries_run_out(gd, sandbox):
    faults.arm(provider="gamesdrop", kind="http_503", path="offers/balance", count=10)

    response = raw(sandbox, "api/v1/offers/balance", method="GET")
    with pytest.raises(UnavailableError) as info:
        gd.balance()

    assert response.json() == {
        "code": "SERVICE_UNAVAILABLE",
        "message": "Service Unavailable (sandbox fault)",
    }
    assert info.value.code == "SERVICE_UNAVAILABLE"


def test_create_order_that_committed_then_failed_is_outcome_unknown_and_reconcilable(gd):
    faults.arm(provider="gamesdrop", kind="commit_then_500", path="create-order")

    with pytest.raises(OutcomeUnknownError):
        gd.create_order(order(1001, "560.10", "ambiguous"))

    found = gd.order_status(transaction_id="ambiguous")  # the first poll moves it on
    assert (found.offer_id, found.status) == (1001, "PROCESSING")
    assert GamesDropOrder.objects.count() == 1
