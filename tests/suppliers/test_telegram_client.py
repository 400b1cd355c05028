"""The Telegram client: typed report, and a bot token (in the URL path) that never leaks."""

import logging
import socket
import traceback

import pytest
import responses
from django.conf import settings

from giftoffice.integrations.base import AuthError, OutcomeUnknownError, RejectedError, UnavailableError
from giftoffice.integrations.telegram import DuplicateTransactionError, GiftPurchaseReport, TelegramClient
from giftoffice.sandbox import faults

live = pytest.mark.django_db(transaction=True)


def report(**changes) -> GiftPurchaseReport:
    fields = {
        "transaction_id": "order-1",
        "transaction_date": 1770373392,
        "amount": 145,
        "currency": "USD",
        "gift_name": "plushpepe-1",
        "buyer_id": 123456789,
    }
    return GiftPurchaseReport(**{**fields, **changes})


def exception_texts(exc: BaseException) -> str:
    """Everything an error tracker or a log line could show of an exception, causes included."""
    parts = ["".join(traceback.format_exception(exc))]
    seen = exc
    while seen is not None:
        parts += [str(seen), repr(seen)]
        seen = seen.__cause__
    return "\n".join(parts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raised(call) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


@live
def test_the_bot_token_never_appears_in_logs_or_exceptions(sandbox, caplog):
    token = settings.TELEGRAM_BOT_TOKEN
    caplog.set_level(logging.DEBUG)
    client = TelegramClient(max_retries=0)
    unreachable = TelegramClient(base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)

    # when: a success, then a duplicate, a server error, a dropped connection and an unreachable host
    client.report_gift_purchase(report())
    errors = [raised(lambda: client.report_gift_purchase(report()))]
    faults.arm(provider="telegram", kind="http_500")
    errors.append(raised(lambda: client.report_gift_purchase(report(transaction_id="order-2"))))
    faults.arm(provider="telegram", kind="drop")
    errors.append(raised(lambda: client.report_gift_purchase(report(transaction_id="order-3"))))
    errors.append(raised(lambda: unreachable.report_gift_purchase(report(transaction_id="order-4"))))

    # then
    assert [type(e) for e in errors] == [
        DuplicateTransactionError,
        UnavailableError,
        UnavailableError,
        UnavailableError,
    ]
    assert [token in exception_texts(e) for e in errors] == [False, False, False, False]
    assert "/bot***/sendCustomRequest" in caplog.text  # request lines were logged, redacted
    assert token not in caplog.text
    assert token not in repr(client)


@responses.activate
def test_a_token_echoed_back_by_the_server_is_redacted():
    token = "999:very-secret"
    responses.post(
        f"https://api.telegram.test/bot{token}/sendCustomRequest",
        status=400,
        json={"ok": False, "error_code": 400, "description": f"Bad Request: bot{token} is odd"},
    )

    with pytest.raises(RejectedError) as info:
        TelegramClient(base_url="https://api.telegram.test", bot_token=token).report_gift_purchase(report())

    assert str(info.value) == "telegram: Bad Request: bot*** is odd (HTTP 400)"


@responses.activate
@pytest.mark.parametrize(
    ("description", "code"),
    [
        ("Bad Request: STARGIFT_INVALID", "STARGIFT_INVALID"),
        ("Bad Request: USER_ID_INVALID: the user is unknown", "USER_ID_INVALID"),
        ("Bad Request: can't parse JSON body", ""),
        ("Bad Request: OK then", ""),
    ],
)
def test_a_rejection_carries_the_code_from_the_description_not_the_http_status(description, code):
    responses.post(
        "https://api.telegram.test/bot1:t/sendCustomRequest",
        status=400,
        json={"ok": False, "error_code": 400, "description": description},
    )

    with pytest.raises(RejectedError) as info:
        TelegramClient(base_url="https://api.telegram.test", bot_token="1:t").report_gift_purchase(report())

    assert not isinstance(info.value, DuplicateTransactionError)
    assert (info.value.code, info.value.status, info.value.message) == (code, 400, description)


@responses.activate
def test_a_non_envelope_success_is_a_bad_response():
    responses.post("https://api.telegram.test/bot1:t/sendCustomRequest", json={"ok": True, "result": False})

    with pytest.raises(Exception, match="unexpected result False"):
        TelegramClient(base_url="https://api.telegram.test", bot_token="1:t").report_gift_purchase(report())


@responses.activate
def test_401_is_an_auth_error_and_429_keeps_retry_after_from_the_body():
    url = "https://api.telegram.test/bot1:t/sendCustomRequest"
    responses.post(url, status=401, json={"ok": False, "error_code": 401, "description": "Unauthorized"})
    responses.post(
        url,
        status=429,
        json={
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        },
    )
    client = TelegramClient(base_url="https://api.telegram.test", bot_token="1:t", max_retries=0)

    with pytest.raises(AuthError):
        client.report_gift_purchase(report())
    with pytest.raises(UnavailableError) as info:
        client.report_gift_purchase(report())

    assert not isinstance(info.value, OutcomeUnknownError)
    assert (info.value.status, info.value.retry_after) == (429, 5.0)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"transaction_id": ""}, "transaction_id must be 1-64 characters"),
        ({"transaction_id": "x" * 65}, "transaction_id must be 1-64 characters"),
        ({"currency": "EUR"}, "currency must be USD or TON"),
        ({"sale_type": "gift"}, "sale_type must be listing, offer or auction"),
        ({"gift_names": ("a",)}, "exactly one of gift_name and gift_names must be given"),
        ({"gift_name": None}, "exactly one of gift_name and gift_names must be given"),
        ({"gift_name": None, "gift_names": ()}, "gift_names must not be empty"),
        ({"amount": 1.45}, "amount must be an integer"),
        ({"buyer_id": "123"}, "buyer_id must be an integer"),
        ({"seller_id": True}, "seller_id must be an integer"),
    ],
)
def test_a_report_breaking_a_field_rule_cannot_be_built(changes, problem):
    with pytest.raises(ValueError, match=problem):
        report(**changes)


def test_parameters_carry_only_the_fields_given_with_the_default_sale_type():
    assert report().to_parameters() == {
        "transaction_id": "order-1",
        "transaction_date": 1770373392,
        "amount": 145,
        "currency": "USD",
        "sale_type": "listing",
        "gift_name": "plushpepe-1",
        "buyer_id": 123456789,
    }
