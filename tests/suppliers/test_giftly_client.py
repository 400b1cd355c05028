# ruff: noqa: RUF001  (Russian wording of Giftly's balance refusal)
"""Narrow unit tests of the Giftly client (its contract over HTTP is in tests/sandbox/test_giftly.py)."""

import orjson
import pytest
import responses

from giftoffice.integrations.base import RejectedError, UnavailableError
from giftoffice.integrations.giftly import GiftAccepted, GiftlyClient, GiftOrder, code_for_message

URL = "https://giftly.test/api/v1/giftly/buyGift"
ORDER = GiftOrder(recipient="1234567890", gift_id="5170145012310081615", text="Salut")


def client(**kwargs) -> GiftlyClient:
    return GiftlyClient(base_url="https://giftly.test", token="tok-123", max_retries=3, **kwargs)


@responses.activate
def test_the_token_travels_in_the_json_body_not_a_header():
    responses.post(URL, status=201, json={"success": True, "message": "ok", "id": 77})

    assert client().buy_gift(ORDER) == GiftAccepted(id="77", message="ok")

    sent = responses.calls[0].request
    assert orjson.loads(sent.body) == {
        "recipient": "1234567890",
        "gift_id": "5170145012310081615",
        "text": "Salut",
        "token": "tok-123",
    }
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Accept"] == "application/json"
    assert "tok-123" not in str(sent.headers)


@responses.activate
def test_a_201_with_an_unreadable_body_still_counts_as_sent():
    responses.post(URL, status=201, body=b"<html>Created</html>")

    assert client().buy_gift(ORDER) == GiftAccepted(id="", message="")


@responses.activate
def test_a_429_is_not_retried_for_a_write_without_idempotency_key():
    responses.post(URL, status=429, json={"message": "slow down"}, headers={"Retry-After": "2"})

    with pytest.raises(UnavailableError) as info:
        client().buy_gift(ORDER)

    assert (info.value.status, info.value.retry_after) == (429, 2.0)
    assert len(responses.calls) == 1


@responses.activate
def test_an_echoed_token_is_redacted_from_the_error():
    responses.post(URL, status=400, json={"message": "bad token tok-123 for recipient"})

    with pytest.raises(RejectedError) as info:
        client().buy_gift(ORDER)

    assert str(info.value) == "giftly: [INVALID_RECIPIENT] bad token *** for recipient (HTTP 400)"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("Insufficient balance", "INSUFFICIENT_BALANCE"),
        ("INSUFFICIENT  BALANCE", "INSUFFICIENT_BALANCE"),
        ("Not enough funds to send the gift to recipient 42", "INSUFFICIENT_BALANCE"),
        ("Balance too low", "INSUFFICIENT_BALANCE"),
        ("Недостаточно средств на балансе", "INSUFFICIENT_BALANCE"),
        ("На балансе недостаточно средств", "INSUFFICIENT_BALANCE"),
        ("НЕ ХВАТАЕТ СРЕДСТВ", "INSUFFICIENT_BALANCE"),
        ("Пополните баланс", "INSUFFICIENT_BALANCE"),
        ("Баланс исчерпан", "INSUFFICIENT_BALANCE"),
        ("Recipient has not started the bot: the user must write to the bot first", "RECIPIENT_UNKNOWN"),
        ("Unknown gift_id", "INVALID_GIFT"),
        ("recipient must be a numeric Telegram user id", "INVALID_RECIPIENT"),
        ("Something else", "BAD_REQUEST"),
        ("Flow control: refunds are not accepted", "BAD_REQUEST"),
        ("Not enough money", "INSUFFICIENT_BALANCE"),
        ("Недостаточно денег", "INSUFFICIENT_BALANCE"),
        ("Balance service unavailable", "INSUFFICIENT_BALANCE"),  # wide on purpose: a pause is safe
    ],
)
def test_giftly_messages_map_to_rejection_codes(message, code):
    assert code_for_message(message) == code


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"message": "Insufficient balance"}, "INSUFFICIENT_BALANCE"),
        ({"message": "Unknown gift_id"}, "INVALID_GIFT"),
        ({"message": "Something else"}, "BAD_REQUEST"),
        (None, "BAD_REQUEST"),
    ],
)
def test_the_client_names_a_rejection_through_the_shared_error_code_hook(payload, code):
    assert client().error_code(payload) == code


@responses.activate
def test_a_404_without_a_message_is_a_bad_request_rejection():
    responses.post(URL, status=404, body=b"")

    with pytest.raises(RejectedError) as info:
        client().buy_gift(ORDER)

    assert (info.value.code, info.value.status, info.value.message) == ("BAD_REQUEST", 404, "Not Found")


def test_an_order_needs_a_numeric_recipient():
    with pytest.raises(ValueError, match="numeric Telegram user id"):
        GiftOrder(recipient="@durov", gift_id="5170145012310081615")


@responses.activate
def test_a_402_is_an_empty_balance_whatever_its_message():
    responses.post(URL, status=402, json={"message": "Payment required"})

    with pytest.raises(RejectedError) as info:
        client().buy_gift(ORDER)

    assert (info.value.code, info.value.status, info.value.message) == (
        "INSUFFICIENT_BALANCE",
        402,
        "Payment required",
    )
