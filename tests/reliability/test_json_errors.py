"""Every /external/ answer is JSON, errors included: unroutable paths, 500s (DEBUG on or off), 411/413."""

from __future__ import annotations

import pytest
import requests

from catalog.selectors import gift_wire
from tests.api.factories import GiftFactory, issue_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session(live_server):
    s = requests.Session()
    s.headers["Authorization"] = f"Api-Key {issue_key()}"
    return s


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["gift/abc/", "gift/1/extra/", "nope", "gift/-1/"])
def test_unroutable_external_paths_answer_json_404(live_server, session, settings, debug, path):
    settings.DEBUG = debug

    response = session.get(f"{live_server.url}/external/{path}", timeout=10)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_server_error_answers_json_500_without_internals(
    live_server, session, settings, monkeypatch, debug
):
    settings.DEBUG = debug
    gift = GiftFactory()

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(gift_wire, "gift_payload", explode)

    response = session.get(f"{live_server.url}/external/gift/{gift.pk}/", timeout=10)

    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Server error. The request may not have been processed; it is safe to retry reads."
    }
    assert "secret" not in response.text


def test_errors_outside_external_keep_django_pages(live_server):
    response = requests.get(f"{live_server.url}/nope/", timeout=10)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
