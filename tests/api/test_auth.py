"""API keys, read-only vs write, ownership of gifts, and per-key throttling."""

from __future__ import annotations

import pytest

from catalog.api.throttling import PartnerKeyRateThrottle
from catalog.models import Gift, PartnerApiKey
from catalog.services.api_keys import revoke_api_key
from tests.conftest import poll_until

from .factories import GiftFactory, PartnerFactory, issue_key

pytestmark = pytest.mark.django_db(transaction=True)

NEW_GIFT = {"name_ro": "Cadou", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Send your key as 'Authorization: Api-Key <key>'."),
        ({"Authorization": "Api-Key gk_00000000_wrong"}, "Invalid or revoked API key."),
        ({"Authorization": "Bearer something"}, "Use the header 'Authorization: Api-Key <key>'."),
        ({"Authorization": "Api-Key"}, "Use the header 'Authorization: Api-Key <key>'."),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"), [("GET", "gift/"), ("GET", "gift/1/"), ("POST", "gift/bulk-create/")]
)
def test_missing_or_wrong_key_is_401_json(api_client, headers, detail, method, path):
    response = api_client(None).request(method, path, headers=headers, json=[NEW_GIFT])

    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["WWW-Authenticate"] == "Api-Key"
    assert Gift.objects.count() == 0


def test_revoked_key_is_401_from_the_next_request_on(api_client):
    key = issue_key()
    client = api_client(key)
    assert client.get("gift/").status_code == 200

    revoke_api_key(api_key=PartnerApiKey.objects.get())

    response = client.get("gift/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API key."}


def test_read_only_key_reads_but_may_not_write(api_client):
    partner = PartnerFactory()
    gift = GiftFactory(owner=partner)
    client = api_client(issue_key(partner=partner, can_write=False))

    assert client.get("gift/").status_code == 200
    assert client.get(f"gift/{gift.pk}/").status_code == 200
    for response in (
        client.put(f"gift/{gift.pk}/", json={"active": False}),
        client.patch(f"gift/{gift.pk}/", json={"active": False}),
        client.post("gift/bulk-create/", json=[NEW_GIFT]),
        client.put("gift/bulk-update/", json=[{"id": gift.pk, "active": False}]),
    ):
        assert response.status_code == 403
        assert response.json() == {"detail": "This API key is read-only."}
    gift.refresh_from_db()
    assert gift.active is True
    assert Gift.objects.count() == 1


def test_every_key_reads_every_gift(api_client):
    GiftFactory(owner=None, name_ro="Staff")
    GiftFactory(owner=PartnerFactory(), name_ro="Other partner")

    response = api_client(issue_key(can_write=False)).get("gift/")

    assert [gift["name_ro"] for gift in response.json()] == ["Staff", "Other partner"]


def test_gifts_created_with_one_key_can_be_changed_with_another_key_of_the_same_partner(api_client):
    partner = PartnerFactory()
    created = api_client(issue_key(partner=partner)).post("gift/bulk-create/", json=[NEW_GIFT]).json()

    response = api_client(issue_key(partner=partner)).put(f"gift/{created[0]['id']}/", json={"active": False})

    assert response.status_code == 200
    assert response.json()["active"] is False


@pytest.mark.parametrize("owner", ["other partner", "staff"])
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_changing_a_gift_not_created_by_the_partner_is_403_with_the_reason_and_changes_nothing(
    api_client, owner, method
):
    gift = GiftFactory(owner=PartnerFactory() if owner == "other partner" else None, active=True)

    response = api_client(issue_key()).request(method, f"gift/{gift.pk}/", json={"active": False})

    assert response.status_code == 403
    assert response.json() == {"detail": f"Gift {gift.pk} was not created by your partner account."}
    gift.refresh_from_db()
    assert gift.active is True


def test_changing_an_unknown_gift_is_404(api_client):
    response = api_client(issue_key()).put("gift/424242/", json={"active": False})

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_getting_an_unknown_gift_is_404_json(api_client):
    response = api_client(issue_key()).get("gift/424242/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


class _Clock:
    """A settable time.time for the fixed-window throttle: a test must not straddle a window edge."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_each_key_is_throttled_separately_with_retry_after(api_client, settings, monkeypatch):
    # given: 3 reads and 1 write a minute, and a clock 40 s into a minute window
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"partner_key_read": "3/min", "partner_key_write": "1/min"},
    }
    clock = _Clock(1_000_000.0)  # windows start at multiples of 60: 999_960 .. 1_000_020
    monkeypatch.setattr(PartnerKeyRateThrottle, "timer", clock)
    partner = PartnerFactory()
    busy, calm = api_client(issue_key(partner=partner)), api_client(issue_key(partner=partner))

    # when
    statuses = [busy.get("gift/").status_code for _ in range(4)]

    # then
    assert statuses == [200, 200, 200, 429]
    throttled = busy.get("gift/")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "20"
    assert throttled.json()["detail"] == "Request was throttled. Expected available in 20 seconds."
    assert calm.get("gift/").status_code == 200
    # writes have their own budget
    assert busy.post("gift/bulk-create/", json=[NEW_GIFT]).status_code == 201
    assert busy.post("gift/bulk-create/", json=[NEW_GIFT]).status_code == 429
    assert Gift.objects.count() == 1
    # the next window starts a fresh budget
    clock.now = 1_000_020.0
    assert busy.get("gift/").status_code == 200
    assert busy.post("gift/bulk-create/", json=[NEW_GIFT]).status_code == 201


def test_key_use_is_recorded_without_a_write_per_request(api_client):
    key = issue_key()
    client = api_client(key)

    client.get("gift/")
    # recorded after the answer is sent (never inside the read)
    first_use = poll_until(lambda: PartnerApiKey.objects.get().last_used_at)
    client.get("gift/")

    assert first_use is not None
    assert PartnerApiKey.objects.get().last_used_at == first_use
