"""Every example request of the partner spec (gift-with-product.md), replayed over real HTTP in the
spec's order, with the responses checked field by field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.gift_fields import WIRE_KEYS
from catalog.models import Gift
from tests.gift_spec_examples import (
    ICON,
    IMAGE,
    example_3_update,
    example_4_bulk_create,
    example_5_bulk_update,
    example_gift,
    example_texts,
)

from .factories import GiftFactory, PartnerFactory, issue_key

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)


@pytest.fixture
def spec_world(api_client, live_server):
    """Gift 1 as in the spec, created earlier by the calling partner; that partner's write key."""
    partner = PartnerFactory(name="Partner site")
    GiftFactory(
        owner=partner,
        icon_ro=ICON,
        image_ro=IMAGE,
        **example_texts(),
        start_time=datetime(2025, 8, 25, 9, 50, tzinfo=UTC),
        removal_time=datetime(2025, 8, 30, 10, 50, tzinfo=UTC),
        active=True,
    )
    domain = live_server.url.removeprefix("http://")
    return api_client(issue_key(partner=partner, can_write=True)), domain


def assert_fields(actual: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert actual[key] == value, f"{key}: {actual[key]!r} != {value!r}"


def test_example_1_receiving_all_gifts_is_a_plain_array_in_the_spec_key_order(spec_world):
    client, domain = spec_world

    response = client.get("gift/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 1
    assert list(body[0]) == list(example_gift(domain))
    assert body[0] == example_gift(domain)
    assert list(WIRE_KEYS) == list(example_gift(domain))


def test_example_2_receive_one_gift(spec_world):
    client, domain = spec_world

    response = client.get("gift/1/")

    assert response.status_code == 200
    assert list(response.json()) == list(example_gift(domain))
    assert response.json() == example_gift(domain)


def test_example_3_one_gift_update_answers_the_full_updated_gift(spec_world):
    client, domain = spec_world
    body = example_3_update()

    response = client.put("gift/1/", json=body)

    assert response.status_code == 200
    spec_answer = {"id": 1, **body}
    assert_fields(response.json(), spec_answer)
    # The rest of the full object is unchanged.
    assert response.json() == {**example_gift(domain), **spec_answer}
    assert client.get("gift/1/").json() == response.json()
    gift = Gift.objects.get(pk=1)
    assert (gift.name_ro, gift.active) == ("Cadou actualizat", False)
    assert gift.start_time == datetime(2025, 8, 26, 10, 0, tzinfo=UTC)


def test_example_4_creating_multiple_gifts_answers_201_with_ids_in_input_order(spec_world):
    client, _domain = spec_world
    body = example_4_bulk_create()

    response = client.post("gift/bulk-create/", json=body)

    assert response.status_code == 201
    created = response.json()
    assert [item["id"] for item in created] == [2, 3]
    for item, sent in zip(created, body, strict=True):
        assert_fields(item, sent)
        assert list(item) == list(WIRE_KEYS)
        # link is optional (the spec's own example omits it): it is null, not an error.
        assert [item[f"link_{lang}"] for lang in ("ro", "ru", "en", "uk")] == [None, None, None, None]
    assert (
        list(Gift.objects.filter(pk__in=[2, 3]).values_list("owner__name", flat=True)) == ["Partner site"] * 2
    )


def test_example_5_update_multiple_gifts(spec_world):
    client, _domain = spec_world
    client.post(
        "gift/bulk-create/",
        json=[
            {
                "name_ro": "Cadou nou 1",
                "start_time": "2025-08-27T10:00:00",
                "removal_time": "2025-09-02T18:00:00",
            }
        ],
    )
    body = example_5_bulk_update()

    response = client.put("gift/bulk-update/", json=body)

    assert response.status_code == 200
    answer = response.json()
    assert [item["id"] for item in answer] == [1, 2]
    for item, sent in zip(answer, body, strict=True):
        assert_fields(item, sent)
    assert answer[0]["name_ro"] == "Cadou test"  # untouched fields keep their values
    assert answer[1]["name_ro"] == "Cadou nou 1"
    assert Gift.objects.get(pk=2).removal_time == datetime(2025, 9, 4, 21, 0, tzinfo=UTC)
