"""The Telegram gift-marketplace simulator, from telegram-gift-marketplaces.md, over real HTTP."""

import copy

import orjson
import pytest
import requests
from django.conf import settings

from giftoffice.integrations.base import AuthError, RejectedError
from giftoffice.integrations.telegram import (
    DuplicateTransactionError,
    GiftPurchaseReport,
    ReportOutcome,
    TelegramClient,
)
from giftoffice.sandbox.models import TelegramPurchaseReport

pytestmark = pytest.mark.django_db(transaction=True)

SINGLE_GIFT = {
    "method": "reportGiftPurchase",
    "parameters": {
        "transaction_id": "9f3c2d4a-6e5b-4c7a-9f1d-2b8e3a6c4f10",
        "transaction_date": 1770373392,
        "amount": 5000000000000,
        "currency": "TON",
        "sale_type": "offer",
        "gift_name": "plushpepe-1",
        "buyer_id": 123456789,
        "recipient_id": 987654321,
        "seller_id": 555444333,
    },
}
MULTIPLE_GIFTS = {
    "method": "reportGiftPurchase",
    "parameters": {
        "transaction_id": "c1a7b9e2-3d44-4f6a-bc21-8d7e5f9a2c33",
        "transaction_date": 1770373403,
        "amount": 5000000,
        "currency": "USD",
        "sale_type": "listing",
        "gift_names": ["plushpepe-1", "plushpepe-27", "durovscap-1010"],
        "buyer_id": 123456789,
    },
}
DUPLICATE = "Bad Request: TRANSACTION_ID_DUPLICATE: transaction_id was already reported"


def send(sandbox, body, *, token=None, method="sendCustomRequest"):
    token = settings.TELEGRAM_BOT_TOKEN if token is None else token
    return requests.post(f"{sandbox}/telegram/bot{token}/{method}", json=body, timeout=5)


def bad_request(description):
    return (400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"})


def with_params(**changes):
    body = copy.deepcopy(SINGLE_GIFT)
    for name, value in changes.items():
        if value is ...:
            body["parameters"].pop(name, None)
        else:
            body["parameters"][name] = value
    return body


@pytest.mark.parametrize("example", [SINGLE_GIFT, MULTIPLE_GIFTS], ids=["single", "multiple"])
def test_spec_examples_are_accepted_and_recorded(sandbox, example):
    response = send(sandbox, example)

    assert (response.status_code, response.json()) == (200, {"ok": True, "result": True})
    report = TelegramPurchaseReport.objects.get()
    p = example["parameters"]
    assert (report.transaction_id, report.transaction_date, report.amount, report.currency) == (
        p["transaction_id"],
        p["transaction_date"],
        p["amount"],
        p["currency"],
    )
    assert (report.sale_type, report.gift_name, report.gift_names) == (
        p["sale_type"],
        p.get("gift_name", ""),
        p.get("gift_names", []),
    )
    assert (report.buyer_id, report.seller_id, report.recipient_id) == (
        p["buyer_id"],
        p.get("seller_id"),
        p.get("recipient_id"),
    )


def test_client_reports_both_spec_examples(sandbox):
    client = TelegramClient()
    single = GiftPurchaseReport(
        transaction_id="9f3c2d4a-6e5b-4c7a-9f1d-2b8e3a6c4f10",
        transaction_date=1770373392,
        amount=5000000000000,
        currency="TON",
        sale_type="offer",
        gift_name="plushpepe-1",
        buyer_id=123456789,
        recipient_id=987654321,
        seller_id=555444333,
    )
    multiple = GiftPurchaseReport(
        transaction_id="c1a7b9e2-3d44-4f6a-bc21-8d7e5f9a2c33",
        transaction_date=1770373403,
        amount=5000000,
        currency="USD",
        gift_names=("plushpepe-1", "plushpepe-27", "durovscap-1010"),
        buyer_id=123456789,
    )

    assert client.report_gift_purchase(single) == ReportOutcome.REPORTED
    assert client.report_gift_purchase(multiple) == ReportOutcome.REPORTED

    assert single.to_parameters() == SINGLE_GIFT["parameters"]
    assert multiple.to_parameters() == MULTIPLE_GIFTS["parameters"]
    assert TelegramPurchaseReport.objects.count() == 2


def test_sale_type_defaults_to_listing(sandbox):
    response = send(sandbox, with_params(sale_type=...))

    assert response.json() == {"ok": True, "result": True}
    assert TelegramPurchaseReport.objects.get().sale_type == "listing"


def test_transaction_id_of_64_characters_is_accepted(sandbox):
    assert send(sandbox, with_params(transaction_id="x" * 64)).json() == {"ok": True, "result": True}


def test_repeated_transaction_id_is_refused_with_its_own_description(sandbox):
    assert send(sandbox, SINGLE_GIFT).status_code == 200

    response = send(sandbox, with_params(amount=1))

    assert (response.status_code, response.json()) == (
        400,
        {"ok": False, "error_code": 400, "description": DUPLICATE},
    )
    assert TelegramPurchaseReport.objects.get().amount == 5000000000000


def test_client_recognises_a_duplicate_report(sandbox):
    report = GiftPurchaseReport(
        transaction_id="order-1",
        transaction_date=1770373392,
        amount=145,
        currency="USD",
        gift_name="g",
        buyer_id=1,
    )
    client = TelegramClient()
    client.report_gift_purchase(report)

    with pytest.raises(DuplicateTransactionError) as info:
        client.report_gift_purchase(report)

    assert isinstance(info.value, RejectedError)
    assert (info.value.code, info.value.status) == ("TRANSACTION_ID_DUPLICATE", 400)
    assert client.report_gift_purchase(report, duplicate_ok=True) == ReportOutcome.ALREADY_REPORTED
    assert TelegramPurchaseReport.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "description"),
    [
        (with_params(transaction_id=""), "transaction_id must be a string of 1-64 characters"),
        (with_params(transaction_id="x" * 65), "transaction_id must be a string of 1-64 characters"),
        (with_params(transaction_id=17), "transaction_id must be a string of 1-64 characters"),
        (with_params(transaction_id=...), "transaction_id must be a string of 1-64 characters"),
        (
            with_params(transaction_date="1770373392"),
            "transaction_date must be an integer Unix timestamp in seconds",
        ),
        (
            with_params(transaction_date=1770373392.5),
            "transaction_date must be an integer Unix timestamp in seconds",
        ),
        (with_params(transaction_date=...), "transaction_date must be an integer Unix timestamp in seconds"),
        (with_params(amount=1.45), "amount must be a positive integer in the smallest units of the currency"),
        (
            with_params(amount="145"),
            "amount must be a positive integer in the smallest units of the currency",
        ),
        (with_params(amount=True), "amount must be a positive integer in the smallest units of the currency"),
        (with_params(amount=0), "amount must be a positive integer in the smallest units of the currency"),
        (with_params(currency="EUR"), 'currency must be "USD" or "TON"'),
        (with_params(currency="usd"), 'currency must be "USD" or "TON"'),
        (with_params(currency=...), 'currency must be "USD" or "TON"'),
        (with_params(sale_type="gift"), 'sale_type must be "listing", "offer" or "auction"'),
        (with_params(gift_names=["a"]), "exactly one of gift_name and gift_names must be provided"),
        (with_params(gift_name=...), "exactly one of gift_name and gift_names must be provided"),
        (with_params(gift_name=""), "gift_name must be a non-empty string"),
        (
            with_params(gift_name=..., gift_names=[]),
            "gift_names must be a non-empty array of non-empty strings",
        ),
        (
            with_params(gift_name=..., gift_names="a,b"),
            "gift_names must be a non-empty array of non-empty strings",
        ),
        (
            with_params(gift_name=..., gift_names=["a", 2]),
            "gift_names must be a non-empty array of non-empty strings",
        ),
        (with_params(buyer_id=...), "buyer_id is required and must be an integer"),
        (with_params(buyer_id="123456789"), "buyer_id is required and must be an integer"),
        (with_params(seller_id="555"), "seller_id must be an integer"),
        (with_params(recipient_id=9.5), "recipient_id must be an integer"),
        ({"parameters": SINGLE_GIFT["parameters"]}, 'parameter "method" is required'),
        ({"method": "reportGiftSale", "parameters": {}}, "unsupported custom method 'reportGiftSale'"),
        ({"method": "reportGiftPurchase"}, 'parameter "parameters" must be a JSON object'),
        ({"method": "reportGiftPurchase", "parameters": [1]}, 'parameter "parameters" must be a JSON object'),
    ],
)
def test_every_field_rule_is_enforced_in_the_bot_api_envelope(sandbox, body, description):
    response = send(sandbox, body)

    assert (response.status_code, response.json()) == bad_request(description)
    assert TelegramPurchaseReport.objects.count() == 0


def test_parameters_may_be_json_serialized_in_a_form_post(sandbox):
    response = requests.post(
        f"{sandbox}/telegram/bot{settings.TELEGRAM_BOT_TOKEN}/sendCustomRequest",
        data={"method": "reportGiftPurchase", "parameters": orjson.dumps(MULTIPLE_GIFTS["parameters"])},
        timeout=5,
    )

    assert response.json() == {"ok": True, "result": True}
    assert TelegramPurchaseReport.objects.get().gift_names == [
        "plushpepe-1",
        "plushpepe-27",
        "durovscap-1010",
    ]


@pytest.mark.parametrize("token", ["123456:wrong", "sandbox-telegram-token", "x"])
def test_a_wrong_bot_token_answers_401_unauthorized(sandbox, token):
    response = send(sandbox, SINGLE_GIFT, token=token)

    assert (response.status_code, response.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert TelegramPurchaseReport.objects.count() == 0


def test_client_with_a_wrong_token_raises_auth_error(sandbox):
    report = GiftPurchaseReport(
        transaction_id="t", transaction_date=1, amount=1, currency="TON", gift_name="g", buyer_id=1
    )
    with pytest.raises(AuthError) as info:
        TelegramClient(bot_token="1:other").report_gift_purchase(report)

    assert str(info.value) == "telegram: Unauthorized (HTTP 401)"


def test_another_bot_api_method_answers_404(sandbox):
    response = send(sandbox, SINGLE_GIFT, method="sendMessage")

    assert (response.status_code, response.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
