"""Every fault kind, observed through a real client over real HTTP; the control endpoint that arms them.

Pre-faults are shown on Tribute reads (retried by the client), commit-then-* on Giftly's buyGift (never
retried): the effect is recorded although the client only learns that the outcome is unknown.
"""

import time
import types
from decimal import Decimal

import pytest
import requests

from giftoffice.integrations.base import OutcomeUnknownError, UnavailableError
from giftoffice.integrations.giftly import GiftlyClient, GiftOrder
from giftoffice.integrations.telegram import (
    DuplicateTransactionError,
    GiftPurchaseReport,
    ReportOutcome,
    TelegramClient,
)
from giftoffice.integrations.tribute import TributeClient
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import Fault, GiftlyAccount, GiftlySentGift, TelegramPurchaseReport

pytestmark = pytest.mark.django_db(transaction=True)

TEDDY = GiftOrder(recipient="1234567890", gift_id="5170233102089322756")  # 15 RUB


@pytest.fixture
def sleeps(monkeypatch):
    """Record the client's back-off waits instead of sleeping them."""
    waits: list[float] = []
    fake = types.SimpleNamespace(sleep=waits.append, monotonic=time.monotonic)
    monkeypatch.setattr("giftoffice.integrations.base.time", fake)
    return waits


@pytest.fixture(autouse=True)
def opening_balance(settings):
    settings.SANDBOX_GIFTLY_BALANCE_RUB = "1000"


# --- pre-faults on a read: retried until they run out ---------------------------------------------------
@pytest.mark.parametrize("kind", ["http_500", "http_503", "drop", "hang"])
def test_a_read_recovers_when_fewer_faults_than_retries_are_armed(sandbox, control, hang_timeouts, kind):
    control.arm(provider="tribute", kind=kind, count=2, delay_seconds=1.5)

    page = TributeClient(max_retries=2).list_products(size=5)

    assert [p.id for p in page.rows] == [2501, 2502, 2503, 2504, 2505]
    assert control.armed() == []


@pytest.mark.parametrize("kind", ["http_500", "http_503"])
def test_server_errors_past_the_retries_raise_unavailable_with_the_status(sandbox, control, kind):
    control.arm(provider="tribute", kind=kind, count=5)

    with pytest.raises(UnavailableError) as info:
        TributeClient(max_retries=2).list_products()

    assert not isinstance(info.value, OutcomeUnknownError)
    assert info.value.status == int(kind[-3:])
    assert [f["remaining"] for f in control.armed()] == [2]


def test_http_429_is_retried_after_the_announced_delay(sandbox, control, sleeps):
    control.arm(provider="tribute", kind="http_429", count=1, retry_after=3)

    page = TributeClient(max_retries=1).list_products(size=1)

    assert [p.id for p in page.rows] == [2501]
    assert sleeps == [3.0]


def test_http_429_without_retries_left_carries_retry_after(sandbox, control):
    control.arm(provider="tribute", kind="http_429", count=1, retry_after=7)

    with pytest.raises(UnavailableError) as info:
        TributeClient(max_retries=0).list_products()

    assert (info.value.status, info.value.retry_after) == (429, 7.0)


def test_hang_past_the_read_timeout_is_a_timeout_for_the_client(sandbox, control, hang_timeouts):
    control.arm(provider="tribute", kind="hang", count=1, delay_seconds=1.5)

    with pytest.raises(UnavailableError) as info:
        TributeClient(max_retries=0).list_products()

    assert not isinstance(info.value, OutcomeUnknownError)  # a read: nothing to be unsure about
    assert info.value.message == "no answer before the read timeout"


def test_a_hang_armed_without_a_delay_outlasts_the_clients_read_timeout(sandbox, control, settings):
    # given: the clients' read timeout from settings (as in `make run`, only shorter)
    settings.INTEGRATION_READ_TIMEOUT = 0.5

    # when
    armed = control.arm(provider="tribute", kind="hang", count=1)

    # then
    assert armed["delay_seconds"] == 1.5
    with pytest.raises(UnavailableError) as info:
        TributeClient(max_retries=0).list_products()
    assert info.value.message == "no answer before the read timeout"


def test_a_commit_then_hang_armed_without_a_delay_leaves_the_outcome_unknown(sandbox, control, settings):
    settings.INTEGRATION_READ_TIMEOUT = 0.5
    armed = control.arm(provider="giftly", kind="commit_then_hang", count=1)

    with pytest.raises(OutcomeUnknownError) as info:
        GiftlyClient().buy_gift(TEDDY)

    assert armed["delay_seconds"] == 1.5
    assert info.value.message == "no answer before the read timeout"
    assert GiftlySentGift.objects.count() == 1


def test_drop_closes_the_connection_without_an_answer(sandbox, control):
    control.arm(provider="tribute", kind="drop", count=1)

    with pytest.raises(UnavailableError) as info:
        TributeClient(max_retries=0).list_products()

    assert info.value.message == "connection dropped"


def test_a_dropped_write_leaves_the_outcome_unknown_even_when_nothing_happened(sandbox, control):
    control.arm(provider="giftly", kind="drop", count=1)

    with pytest.raises(OutcomeUnknownError):
        GiftlyClient().buy_gift(TEDDY)

    assert GiftlySentGift.objects.count() == 0


# --- commit, then fail: the ambiguous case --------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "status"), [("commit_then_500", 500), ("commit_then_hang", None), ("commit_then_drop", None)]
)
def test_commit_then_fail_records_the_gift_although_the_client_cannot_know(
    sandbox, control, hang_timeouts, kind, status
):
    control.arm(provider="giftly", kind=kind, count=1, delay_seconds=1.5)

    with pytest.raises(OutcomeUnknownError) as info:
        GiftlyClient().buy_gift(TEDDY)

    assert info.value.status == status
    gift = GiftlySentGift.objects.get()
    assert (gift.recipient, gift.gift_id) == ("1234567890", "5170233102089322756")
    assert GiftlyAccount.objects.get().balance_rub == Decimal(985)


def test_a_report_committed_before_a_500_is_retried_and_found_already_reported(sandbox, control):
    control.arm(provider="telegram", kind="commit_then_500", count=1)
    report = GiftPurchaseReport(
        transaction_id="order-7",
        transaction_date=1770373392,
        amount=145,
        currency="USD",
        gift_name="g",
        buyer_id=1,
    )

    outcome = TelegramClient(max_retries=1).report_gift_purchase(report, duplicate_ok=True)

    assert outcome == ReportOutcome.ALREADY_REPORTED
    assert TelegramPurchaseReport.objects.count() == 1


def test_a_report_committed_before_a_500_is_already_reported_without_duplicate_ok(sandbox, control):
    # given: Telegram records the report, then answers 500; the client retries it
    control.arm(provider="telegram", kind="commit_then_500", count=1)
    report = GiftPurchaseReport(
        transaction_id="order-9",
        transaction_date=1770373392,
        amount=145,
        currency="USD",
        gift_name="g",
        buyer_id=1,
    )

    # when
    outcome = TelegramClient(max_retries=1).report_gift_purchase(report)

    # then: the duplicate answered to the retry is our own first try
    assert outcome == ReportOutcome.ALREADY_REPORTED
    assert TelegramPurchaseReport.objects.get().transaction_id == "order-9"
    with pytest.raises(DuplicateTransactionError):  # a duplicate on a first try still raises
        TelegramClient(max_retries=1).report_gift_purchase(report)


def test_telegram_faults_answer_in_the_bot_api_envelope(sandbox, control, settings):
    control.arm(provider="telegram", kind="http_429", count=1, retry_after=11)
    control.arm(provider="telegram", kind="http_500", count=1)
    url = f"{sandbox}/telegram/bot{settings.TELEGRAM_BOT_TOKEN}/sendCustomRequest"

    first = requests.post(url, json={}, timeout=5)
    second = requests.post(url, json={}, timeout=5)

    assert (first.status_code, first.json()) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 11",
            "parameters": {"retry_after": 11},
        },
    )
    assert (second.status_code, second.json()) == (
        500,
        {"ok": False, "error_code": 500, "description": "Internal Server Error (sandbox fault)"},
    )


def test_telegram_client_waits_the_retry_after_from_the_body(sandbox, control, sleeps):
    control.arm(provider="telegram", kind="http_429", count=1, retry_after=4)
    report = GiftPurchaseReport(
        transaction_id="order-8",
        transaction_date=1770373392,
        amount=145,
        currency="USD",
        gift_name="g",
        buyer_id=1,
    )

    assert TelegramClient(max_retries=1).report_gift_purchase(report) == ReportOutcome.REPORTED
    assert sleeps == [4.0]


# --- matching and counting ------------------------------------------------------------------------------
def test_a_fault_fires_only_on_paths_that_end_with_its_path(sandbox, control):
    control.arm(provider="tribute", kind="http_500", path="api/v1/products/2548", count=1)
    client = TributeClient(max_retries=0)

    assert len(client.list_products(size=3).rows) == 3
    assert client.get_product(2549).id == 2549
    with pytest.raises(UnavailableError):
        client.get_product(2548)
    assert client.get_product(2548).id == 2548  # one shot only


@pytest.mark.parametrize(
    ("fault_path", "request_path", "fires"),
    [
        ("api/v1/balance", "api/v1/balance/transactions", False),
        ("api/v1/products", "api/v1/products/2548", False),
        ("products/254", "api/v1/products/2548", False),
        ("balance", "api/v1/offers/balance", True),
        ("offers/find-one", "api/v1/offers/find-one", True),
        ("api/v1/balance/transactions", "api/v1/balance/transactions/", True),
        ("/api/v1/giftly/buyGift/", "api/v1/giftly/buyGift", True),
        ("", "api/v1/anything", True),
    ],
)
def test_a_fault_path_matches_whole_segments_at_the_end_of_the_request_path(fault_path, request_path, fires):
    faults.arm(provider="gamesdrop", kind="http_500", path=fault_path)

    taken = faults.take(provider="gamesdrop", path=request_path)

    assert (taken is not None) == fires


def test_a_fault_of_one_provider_leaves_the_others_alone(sandbox, control):
    control.arm(provider="giftly", kind="http_503", count=1)

    assert TributeClient(max_retries=0).get_product(2548).id == 2548
    assert [f["provider"] for f in control.armed()] == ["giftly"]


def test_a_fault_is_exhausted_after_its_count(sandbox, control):
    control.arm(provider="tribute", kind="http_503", count=2)
    client = TributeClient(max_retries=0)

    outcomes = []
    for _ in range(3):
        try:
            client.get_product(2548)
            outcomes.append("ok")
        except UnavailableError as exc:
            outcomes.append(exc.status)

    assert outcomes == [503, 503, "ok"]
    assert Fault.objects.count() == 0


def test_faults_fire_oldest_first(sandbox, control):
    control.arm(provider="tribute", kind="http_500", count=1)
    control.arm(provider="tribute", kind="http_503", count=1)
    client = TributeClient(max_retries=0)

    statuses = []
    for _ in range(2):
        with pytest.raises(UnavailableError) as info:
            client.get_product(2548)
        statuses.append(info.value.status)

    assert statuses == [500, 503]


# --- the control endpoint -------------------------------------------------------------------------------
def test_control_endpoint_arms_lists_and_disarms(sandbox, control):
    armed = control.arm(provider="giftly", kind="commit_then_drop", path="/api/v1/giftly/", count=3)
    control.arm(provider="tribute", kind="hang", delay_seconds=2.5)

    assert armed == {
        "id": armed["id"],
        "provider": "giftly",
        "path": "api/v1/giftly",
        "kind": "commit_then_drop",
        "remaining": 3,
        "delay_seconds": 6.0,  # the sandbox fixture's 5 s read timeout + 1
        "retry_after": 1,
    }
    assert [(f["provider"], f["kind"], f["remaining"], f["delay_seconds"]) for f in control.armed()] == [
        ("giftly", "commit_then_drop", 3, 6.0),
        ("tribute", "hang", 1, 2.5),
    ]
    assert control.disarm("giftly") == 1
    assert [f["provider"] for f in control.armed()] == ["tribute"]
    assert control.disarm() == 1
    assert control.armed() == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"provider": "acme", "kind": "http_500"}, "unknown provider 'acme'"),
        ({"provider": "giftly", "kind": "explode"}, "unknown fault kind 'explode'"),
        ({"provider": "giftly", "kind": "http_500", "count": 0}, "count must be at least 1"),
        ({"provider": "giftly", "kind": "http_500", "count": "many"}, "invalid literal for int()"),
    ],
)
def test_control_endpoint_refuses_a_bad_fault_with_400(sandbox, body, error):
    response = requests.post(f"{sandbox}/_control/faults/", json=body, timeout=5)

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert Fault.objects.count() == 0
