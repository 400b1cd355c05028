"""Narrow unit tests of the GamesDrop client's error mapping, retries and parsing (`responses`)."""

import json
import logging
from decimal import Decimal

import pytest
import responses

from giftoffice.integrations import gamesdrop
from giftoffice.integrations.base import (
    AuthError,
    BadResponseError,
    OutcomeUnknownError,
    RejectedError,
    UnavailableError,
)
from giftoffice.integrations.gamesdrop import (
    ERROR_CODES,
    Customer,
    GamesDropClient,
    OrderRequest,
    parse_sync_row,
)

BASE = "https://partner.example"
TOKEN = "abcdef1234567890abcdef1234567890"
STATUS = {
    "INVALID_TOKEN": 401,
    "OFFER_NOT_FOUND": 404,
    "ORDER_NOT_FOUND": 404,
    "TRANSACTION_DUPLICATE": 409,
    "SERVICE_UNAVAILABLE": 503,
    "BALANCE_UNAVAILABLE": 503,
}
EXPECTED_CLASS = {
    "INVALID_TOKEN": AuthError,
    "SERVICE_UNAVAILABLE": UnavailableError,
    "BALANCE_UNAVAILABLE": UnavailableError,
}
ROW = {
    "productId": 5,
    "productName": "PUBG Mobile",
    "offerGroupId": 101,
    "offerGroupName": "60 UC",
    "price": 0.99,
    "currency": "USD",
    "inStock": True,
}


@pytest.fixture
def client() -> GamesDropClient:
    return GamesDropClient(base_url=BASE, token=TOKEN, max_retries=2, backoff_seconds=0)


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
@responses.activate
def test_every_documented_code_maps_to_its_error_class_with_the_code(client, code):
    status = STATUS.get(code, 400)
    responses.post(
        f"{BASE}/api/v1/offers/find-one", json={"code": code, "message": f"{code} said"}, status=status
    )

    with pytest.raises(EXPECTED_CLASS.get(code, RejectedError)) as info:
        client.find_one(1001)

    assert info.value.code == code
    assert str(info.value) == f"gamesdrop: [{code}] {code} said (HTTP {status})"


@responses.activate
def test_a_bare_code_in_message_is_read_as_the_code(client):
    responses.post(
        f"{BASE}/api/v1/offers/create-order",
        json={"statusCode": 400, "message": "WRONG_PRICE", "error": "Bad Request"},
        status=400,
    )

    with pytest.raises(RejectedError) as info:
        client.create_order(OrderRequest(offer_id=1001, price=Decimal("1"), transaction_id="t"))

    assert str(info.value) == "gamesdrop: [WRONG_PRICE] Incorrect product price (HTTP 400)"


@responses.activate
def test_unavailable_codes_on_reads_are_retried(client):
    url = f"{BASE}/api/v1/offers/order-status"
    responses.post(url, json={"code": "SERVICE_UNAVAILABLE"}, status=503)
    responses.post(url, json={"code": "BALANCE_UNAVAILABLE"}, status=400)
    responses.post(url, json={"orderId": 7, "status": "PROCESSING"})

    assert client.order_status(order_id=7).status == "PROCESSING"
    assert len(responses.calls) == 3


@responses.activate
def test_create_order_is_sent_once_and_a_5xx_is_outcome_unknown(client):
    responses.post(f"{BASE}/api/v1/offers/create-order", json={"code": "SERVICE_UNAVAILABLE"}, status=503)

    with pytest.raises(OutcomeUnknownError):
        client.create_order(OrderRequest(offer_id=1001, price=Decimal("560.10"), transaction_id="once"))

    assert len(responses.calls) == 1


@responses.activate
def test_create_order_with_an_unreadable_success_is_outcome_unknown(client):
    responses.post(f"{BASE}/api/v1/offers/create-order", body="<html>ok</html>", status=200)

    with pytest.raises(OutcomeUnknownError):
        client.create_order(OrderRequest(offer_id=1001, price=Decimal("560.10"), transaction_id="html"))


@responses.activate
def test_create_order_sends_numbers_and_the_customer(client):
    responses.post(
        f"{BASE}/api/v1/offers/create-order",
        json={"orderId": 10222502, "status": "COMPLETED", "price": 560.10, "key": "001434249936"},
    )

    created = client.create_order(
        OrderRequest(
            offer_id=1001,
            price=Decimal("560.1000"),
            transaction_id="test112321124214",
            customer=Customer(email="user@gmail.com", game_user_id="52357322414"),
        )
    )

    sent = responses.calls[0].request
    assert json.loads(sent.body) == {
        "offerId": 1001,
        "price": 560.1,
        "transactionId": "test112321124214",
        "customer": {"email": "user@gmail.com", "gameUserId": "52357322414"},
    }
    assert sent.headers["Authorization"] == TOKEN
    assert (created.order_id, created.key, created.price) == (10222502, "001434249936", Decimal("560.1"))


@responses.activate
def test_the_token_never_reaches_logs_or_errors(client, caplog):
    responses.post(
        f"{BASE}/api/v1/offers/find-one",
        json={"code": "INVALID_TOKEN", "message": f"bad token {TOKEN}"},
        status=401,
    )
    caplog.set_level(logging.DEBUG)

    with pytest.raises(AuthError) as info:
        client.find_one(1)

    assert TOKEN not in str(info.value)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client)


def test_sync_row_prices_are_exact_decimals():
    row = parse_sync_row({**ROW, "price": 560.1})

    assert row.price == Decimal("560.1")
    assert (row.requires_game_user_id, row.settlement_method, row.category) == (None, None, None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("offerGroupId", "101", "offerGroupId must be an integer"),
        ("price", True, "price must be a number"),
        ("inStock", 1, "inStock must be true or false"),
        ("isRequiredGameUserId", 0, "isRequiredGameUserId must be true or false"),
        ("settlementMethod", "CASH", "settlementMethod must be FIAT, USDT or MIXED"),
    ],
)
def test_a_malformed_sync_row_names_the_field(field, value, message):
    with pytest.raises(BadResponseError) as info:
        parse_sync_row({**ROW, field: value})

    assert str(info.value) == f"gamesdrop: sync row: {message}"


@responses.activate
def test_iter_sync_pages_stops_at_a_short_page(client):
    url = f"{BASE}/api/v1/offers/sync"
    responses.post(url, json={"count": 3, "rows": [ROW, {**ROW, "offerGroupId": 102}]})
    responses.post(url, json={"count": 3, "rows": [{**ROW, "offerGroupId": 103}]})

    pages = list(client.iter_sync_pages(limit=2))

    assert [p.offer_ids for p in pages] == [[101, 102], [103]]
    assert [json.loads(c.request.body) for c in responses.calls] == [
        {"limit": 2, "page": 1},
        {"limit": 2, "page": 2},
    ]


def test_sync_limit_over_5000_is_refused_before_sending(client):
    with pytest.raises(ValueError, match="limit must be between 1 and 5000"):
        client.sync_page(limit=5001)


@pytest.mark.parametrize(
    ("user_info_setting", "user_info_url"),
    [("", "https://partner.test/gd"), ("https://gamesdrop.test/", "https://gamesdrop.test")],
)
def test_the_one_way_to_build_a_client_reads_the_settings_when_called(
    settings, user_info_setting, user_info_url
):
    settings.GAMESDROP_BASE_URL = "https://partner.test/gd/"
    settings.GAMESDROP_TOKEN = "token-from-settings"
    settings.GAMESDROP_USER_INFO_BASE_URL = user_info_setting

    built = gamesdrop.client()

    assert (built.base_url, built.auth_headers(), built.user_info_base_url) == (
        "https://partner.test/gd",
        {"Authorization": "token-from-settings"},
        user_info_url,
    )
