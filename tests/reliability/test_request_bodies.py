"""Bodies without a Content-Length (Transfer-Encoding: chunked) are read or refused, never dropped.

Django's own server (runserver, live_server) cannot hand such a body over: it answers 411. Servers that
de-chunk the body and mark its end (gunicorn) get it read: see test_production_profile.py.
"""

from __future__ import annotations

import json

import pytest
import requests

from catalog.models import Gift
from tests.api.factories import GiftFactory, PartnerFactory, issue_key

pytestmark = pytest.mark.django_db(transaction=True)

NEW = {"name_ro": "Cadou", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}


def chunked(payload: object):
    body = json.dumps(payload).encode()
    yield body[:5]
    yield body[5:]


@pytest.fixture
def partner():
    return PartnerFactory()


@pytest.fixture
def session(partner):
    s = requests.Session()
    s.headers["Authorization"] = f"Api-Key {issue_key(partner=partner)}"
    s.headers["Content-Type"] = "application/json"
    return s


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_chunked_single_update_on_django_s_server_is_411_and_changes_nothing(
    live_server, session, partner, method
):
    gift = GiftFactory(owner=partner, active=True)

    response = session.request(
        method, f"{live_server.url}/external/gift/{gift.pk}/", data=chunked({"active": False}), timeout=10
    )

    assert response.status_code == 411
    assert response.json() == {
        "detail": "Send the body with a Content-Length header; chunked transfer encoding is not "
        "supported by this server."
    }
    gift.refresh_from_db()
    assert gift.active is True


@pytest.mark.parametrize(("method", "path"), [("POST", "bulk-create"), ("PUT", "bulk-update")])
def test_a_chunked_bulk_request_on_django_s_server_is_411_and_writes_nothing(
    live_server, session, partner, method, path
):
    gift = GiftFactory(owner=partner, active=True)
    payload = [NEW] if path == "bulk-create" else [{"id": gift.pk, "active": False}]

    response = session.request(
        method, f"{live_server.url}/external/gift/{path}/", data=chunked(payload), timeout=10
    )

    assert response.status_code == 411
    assert Gift.objects.count() == 1
    gift.refresh_from_db()
    assert gift.active is True


def test_the_connection_after_a_411_is_not_poisoned_by_the_unread_body(live_server, session, partner):
    gift = GiftFactory(owner=partner, active=True)
    url = f"{live_server.url}/external/gift/{gift.pk}/"
    session.put(url, data=chunked({"active": False}), timeout=10)

    response = session.put(url, json={"active": False}, timeout=10)

    assert response.status_code == 200
    assert response.json()["active"] is False


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(live_server, session, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = json.dumps([{**NEW, "description_ro": "d" * 3000}]).encode()

    response = session.post(f"{live_server.url}/external/gift/bulk-create/", data=body, timeout=10)

    assert response.status_code == 413
    assert response.json() == {"detail": f"Request body is {len(body)} bytes; the limit is 2000 bytes."}
    assert Gift.objects.count() == 0
