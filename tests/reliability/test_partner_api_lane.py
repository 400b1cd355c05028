"""Partner API requests skip the staff site's middleware, not the security headers; the admin keeps it."""

import pytest
from django.test import override_settings

from tests.api.factories import GiftFactory, issue_key

pytestmark = pytest.mark.django_db


def test_a_partner_request_gets_no_session_no_csrf_and_no_language_negotiation(client):
    GiftFactory(name_ro="Ceai")
    client.cookies["sessionid"] = "not-a-session"
    client.cookies["csrftoken"] = "x" * 32

    response = client.get(
        "/external/gift/", HTTP_AUTHORIZATION=f"Api-Key {issue_key()}", HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")  # no session was looked at
    assert "Accept-Language" not in response.get("Vary", "")
    assert "Content-Language" not in response
    assert response.cookies == {}
    assert not hasattr(response.wsgi_request, "session")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_partner_write_needs_no_csrf_token_and_the_admin_still_does(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {issue_key(can_write=True)}"}
    item = {"name_ro": "Ceai", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}

    written = strict.post("/external/gift/bulk-create/", [item], content_type="application/json", **auth)
    admin_login = strict.post("/admin/login/", {"username": "x", "password": "y"})

    assert written.status_code == 201
    assert admin_login.status_code == 403  # CSRF: the staff site's middleware still runs there


def test_the_admin_keeps_its_session_and_language(admin_client):
    response = admin_client.get("/uk/admin/catalog/gift/")

    assert response.status_code == 200
    assert response["Content-Language"] == "uk"
    assert "Cookie" in response["Vary"]


@override_settings(APPEND_SLASH=True)
def test_a_partner_path_without_its_slash_is_redirected_by_the_common_middleware(client):
    response = client.get("/external/gift", HTTP_AUTHORIZATION=f"Api-Key {issue_key()}")

    assert response.status_code == 301
    assert response["Location"] == "/external/gift/"


def test_a_partner_error_is_english_whatever_accept_language_says(client):
    auth = f"Api-Key {issue_key()}"
    answers = {
        lang: client.delete("/external/gift/", HTTP_AUTHORIZATION=auth, HTTP_ACCEPT_LANGUAGE=lang)
        for lang in ("ro", "ru", "uk", "en")
    }

    # DRF's own message, which its catalogs translate into each of these languages
    assert {lang: answer.json() for lang, answer in answers.items()} == {
        lang: {"detail": 'Method "DELETE" not allowed.'} for lang in answers
    }


def test_a_read_records_its_key_use_only_once_its_answer_is_sent(client):
    from catalog.models import PartnerApiKey

    key = issue_key()
    response = client.get("/external/gift/", HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert response.status_code == 200
    assert PartnerApiKey.objects.get().last_used_at is not None  # the test client closed the response
