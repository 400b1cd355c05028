"""Narrow unit tests of the shared client base (real-HTTP behaviour is tested against the sandbox)."""

import socket
from datetime import UTC, datetime

import pytest
import requests
import responses

from giftoffice.integrations.base import (
    AuthError,
    BadResponseError,
    BaseClient,
    OutcomeUnknownError,
    RejectedError,
    Timeouts,
    UnavailableError,
    retry_after_seconds,
)

BASE = "https://supplier.test/api"


class TokenClient(BaseClient):
    provider = "acme"

    def __init__(self, token: str = "s3cret-token", **kwargs):
        super().__init__(base_url=BASE, timeouts=Timeouts(1, 2), max_retries=2, backoff_seconds=0, **kwargs)
        self.token = token

    def auth_headers(self):
        return {"Authorization": self.token}

    def secrets(self):
        return [self.token]


@responses.activate
def test_get_is_retried_until_it_succeeds():
    responses.get(f"{BASE}/items", status=503, json={"message": "busy"})
    responses.get(f"{BASE}/items", status=502, json={"message": "busy"})
    responses.get(f"{BASE}/items", status=200, json={"items": [1]})

    assert TokenClient().request("GET", "items") == {"items": [1]}
    assert len(responses.calls) == 3


@responses.activate
def test_get_gives_up_after_max_retries_with_unavailable():
    responses.get(f"{BASE}/items", status=503, json={"message": "busy"})

    with pytest.raises(UnavailableError) as info:
        TokenClient().request("GET", "items")

    assert info.value.status == 503
    assert len(responses.calls) == 3  # one try + two retries


@responses.activate
def test_an_error_tells_which_try_of_a_retried_call_raised_it():
    responses.get(f"{BASE}/items", status=503, json={"message": "busy"})
    responses.get(f"{BASE}/items", status=400, json={"message": "no"})
    responses.get(f"{BASE}/other", status=400, json={"message": "no"})

    with pytest.raises(RejectedError) as retried:
        TokenClient().request("GET", "items")
    with pytest.raises(RejectedError) as first:
        TokenClient().request("GET", "other")

    assert (retried.value.attempt, first.value.attempt) == (2, 1)


@responses.activate
def test_post_is_never_retried_and_a_5xx_leaves_the_outcome_unknown():
    responses.post(f"{BASE}/orders", status=500, json={"message": "boom"})

    with pytest.raises(OutcomeUnknownError):
        TokenClient().request("POST", "orders", json={"a": 1})

    assert len(responses.calls) == 1


@responses.activate
def test_read_only_post_marked_idempotent_is_retried():
    responses.post(f"{BASE}/sync", status=503)
    responses.post(f"{BASE}/sync", status=200, json={"rows": []})

    assert TokenClient().request("POST", "sync", json={}, idempotent=True) == {"rows": []}
    assert len(responses.calls) == 2


@responses.activate
def test_post_timeout_is_outcome_unknown_but_connect_failure_is_plainly_unavailable():
    responses.post(f"{BASE}/orders", body=requests.exceptions.ReadTimeout("read timed out"))
    responses.post(f"{BASE}/orders2", body=requests.exceptions.ConnectTimeout("connect timed out"))

    with pytest.raises(OutcomeUnknownError):
        TokenClient().request("POST", "orders", json={})
    with pytest.raises(UnavailableError) as info:
        TokenClient().request("POST", "orders2", json={})
    assert not isinstance(info.value, OutcomeUnknownError)


@responses.activate
def test_post_does_not_follow_redirects():
    responses.post(f"{BASE}/orders", status=307, headers={"Location": "https://elsewhere.test/orders"})

    with pytest.raises(BadResponseError, match="unexpected redirect"):
        TokenClient().request("POST", "orders", json={})
    assert len(responses.calls) == 1


@responses.activate
def test_429_honours_retry_after_and_maps_to_unavailable(monkeypatch):
    slept = []
    monkeypatch.setattr("giftoffice.integrations.base.time.sleep", slept.append)
    responses.get(f"{BASE}/items", status=429, headers={"Retry-After": "3"}, json={"message": "slow down"})
    responses.get(f"{BASE}/items", status=200, json=[])

    assert TokenClient().request("GET", "items") == []
    assert slept == [3.0]


@responses.activate
def test_429_asking_to_wait_longer_than_the_backoff_cap_is_not_retried(monkeypatch):
    slept = []
    monkeypatch.setattr("giftoffice.integrations.base.time.sleep", slept.append)
    responses.get(f"{BASE}/items", status=429, headers={"Retry-After": "30"}, json={"message": "flood"})
    responses.get(f"{BASE}/items", status=200, json=[])
    client = TokenClient()
    assert client.max_backoff_seconds == 10.0

    with pytest.raises(UnavailableError) as info:
        client.request("GET", "items")

    assert (info.value.status, info.value.retry_after) == (429, 30.0)
    assert slept == []
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("2.5", 2.5),
        ("-4", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),  # IMF-fixdate
        ("Wednesday, 21-Oct-15 07:29:00 GMT", 60.0),  # RFC 850
        ("Wed Oct 21 07:28:05 2015", 5.0),  # asctime, GMT by definition
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # already past
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(header, seconds):
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)

    assert retry_after_seconds(header, now=now) == seconds


@responses.activate
def test_a_429_with_an_http_date_retry_after_carries_the_seconds_left():
    responses.post(
        f"{BASE}/items", status=429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, json={}
    )

    with pytest.raises(UnavailableError) as info:
        TokenClient().request("POST", "items", json={})

    assert (info.value.status, info.value.retry_after) == (429, 0.0)  # a date long past: go now


@responses.activate
def test_auth_and_rejection_errors_carry_status_and_supplier_code():
    responses.get(f"{BASE}/a", status=401, json={"message": "bad token"})
    responses.get(f"{BASE}/b", status=400, json={"code": "WRONG_PRICE", "message": "price changed"})

    with pytest.raises(AuthError) as auth:
        TokenClient().request("GET", "a")
    with pytest.raises(RejectedError) as rejected:
        TokenClient().request("GET", "b")

    assert (auth.value.status, auth.value.provider) == (401, "acme")
    assert (rejected.value.code, rejected.value.status) == ("WRONG_PRICE", 400)
    assert str(rejected.value) == "acme: [WRONG_PRICE] price changed (HTTP 400)"


@responses.activate
def test_non_json_success_is_a_bad_response():
    responses.get(f"{BASE}/a", status=200, body="<html>oops</html>")

    with pytest.raises(BadResponseError):
        TokenClient().request("GET", "a")


@responses.activate
def test_secret_in_a_supplier_message_or_path_is_redacted():
    responses.get(f"{BASE}/botsecret-x/a", status=400, json={"message": "token s3cret-token is invalid"})
    client = TokenClient()

    with pytest.raises(RejectedError) as info:
        client.request("GET", "botsecret-x/a")

    assert "s3cret-token" not in str(info.value)
    assert str(info.value) == "acme: token *** is invalid (HTTP 400)"


@responses.activate
def test_secret_is_never_logged(caplog):
    caplog.set_level("DEBUG")
    client = TokenClient(token="bot-token-123")
    responses.get(f"{BASE}/botbot-token-123/getMe", status=200, json={})

    client.request("GET", "botbot-token-123/getMe")

    assert "bot-token-123" not in caplog.text
    assert "acme GET bot***/getMe -> 200" in caplog.text


def test_timeouts_are_always_passed(monkeypatch):
    seen = {}

    def fake_request(self, method, url, **kwargs):
        seen.update(kwargs)
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        return response

    monkeypatch.setattr(requests.Session, "request", fake_request)
    TokenClient().request("GET", "x")

    assert seen["timeout"] == (1, 2)
    assert seen["allow_redirects"] is True


def test_a_connection_that_fails_names_the_call_it_tried_without_secrets():
    # given a port nobody listens on, and a secret in the path and credentials in the URL
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = TokenClient()
    client.base_url = f"http://user:pw@127.0.0.1:{port}/api"
    client.max_retries = 0

    with pytest.raises(UnavailableError) as info:
        client.request("GET", "bot/s3cret-token/items?page=2")

    assert info.value.url == f"GET http://127.0.0.1:{port}/api/bot/***/items"
    assert str(info.value) == f"acme: connection failed (GET http://127.0.0.1:{port}/api/bot/***/items)"


@responses.activate
def test_an_answered_call_names_no_url():
    responses.get(f"{BASE}/items", status=400, json={"message": "no"})

    with pytest.raises(RejectedError) as info:
        TokenClient().request("GET", "items")

    assert (info.value.url, str(info.value)) == ("", "acme: no (HTTP 400)")
