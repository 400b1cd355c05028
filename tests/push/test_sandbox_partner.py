"""The sandbox partner site against gift-with-product.md, example by example, over real HTTP."""

import pytest
import requests

from giftoffice.sandbox import faults
from giftoffice.sandbox.models import PartnerRemoteGift
from tests.gift_spec_examples import (
    example_3_update,
    example_4_bulk_create,
    example_5_bulk_update,
    example_gift,
)

pytestmark = pytest.mark.django_db(transaction=True)

FULL_GIFT = {key: value for key, value in example_gift("partner.example").items() if key != "id"}

BULK_CREATE_BODY = example_4_bulk_create()


def _create_full(partner_api) -> int:
    response = partner_api.call("POST", "bulk-create/", json=[FULL_GIFT])
    assert response.status_code == 201
    return response.json()[0]["id"]


def test_list_returns_every_gift_in_full_as_in_example_1(partner_api):
    # given
    gift_id = _create_full(partner_api)
    # when
    response = partner_api.call("GET")
    # then
    assert response.status_code == 200
    assert response.json() == [{"id": gift_id, **FULL_GIFT}]


def test_get_one_returns_the_gift_in_full_as_in_example_2(partner_api):
    gift_id = _create_full(partner_api)

    response = partner_api.call("GET", f"{gift_id}/")

    assert response.status_code == 200
    assert response.json() == {"id": gift_id, **FULL_GIFT}


def test_get_one_of_an_unknown_id_is_404(partner_api):
    response = partner_api.call("GET", "999999/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_put_one_updates_and_echoes_only_the_sent_fields_plus_id_as_in_example_3(partner_api):
    # given
    gift_id = _create_full(partner_api)
    body = example_3_update()
    # when
    response = partner_api.call("PUT", f"{gift_id}/", json=body)
    # then
    assert response.status_code == 200
    assert response.json() == {"id": gift_id, **body}
    stored = partner_api.call("GET", f"{gift_id}/").json()
    assert stored == {**FULL_GIFT, **body, "id": gift_id}


def test_bulk_create_answers_201_with_the_sent_fields_plus_ids_as_in_example_4(partner_api):
    response = partner_api.call("POST", "bulk-create/", json=BULK_CREATE_BODY)

    assert response.status_code == 201
    answer = response.json()
    ids = [item["id"] for item in answer]
    assert ids == sorted(ids)
    assert len(set(ids)) == 2
    assert answer == [{"id": ids[0], **BULK_CREATE_BODY[0]}, {"id": ids[1], **BULK_CREATE_BODY[1]}]
    assert list(PartnerRemoteGift.objects.order_by("id").values_list("name_ro", flat=True)) == [
        "Cadou nou 1",
        "Cadou nou 2",
    ]


def test_bulk_update_answers_200_with_the_sent_fields_as_in_example_5(partner_api):
    # given
    ids = [item["id"] for item in partner_api.call("POST", "bulk-create/", json=BULK_CREATE_BODY).json()]
    body = example_5_bulk_update(*ids)
    # when
    response = partner_api.call("PUT", "bulk-update/", json=body)
    # then
    assert response.status_code == 200
    assert response.json() == body
    first = partner_api.call("GET", f"{ids[0]}/").json()
    assert (first["name_ro"], first["active"], first["start_time"]) == (
        "Cadou nou 1",
        False,
        "2025-08-25T11:00:00",
    )


def test_bulk_create_with_an_invalid_item_is_400_aligned_with_the_input_and_writes_nothing(partner_api):
    body = [
        BULK_CREATE_BODY[0],
        {
            "description_ro": "no name",
            "start_time": "2025-08-27T10:00:00",
            "removal_time": "2025-09-02T18:00:00",
        },
        {**BULK_CREATE_BODY[1], "removal_time": "2025-08-28T09:30:00"},
    ]

    response = partner_api.call("POST", "bulk-create/", json=body)

    assert response.status_code == 400
    assert response.json() == [
        {},
        {"name_ro": ["This field is required."]},
        {"removal_time": ["Removal time must be after start time."]},
    ]
    assert PartnerRemoteGift.objects.count() == 0


def test_bulk_create_refuses_null_name_bad_datetime_and_bad_url(partner_api):
    body = [
        {**BULK_CREATE_BODY[0], "name_ro": None},
        {**BULK_CREATE_BODY[0], "start_time": "27.08.2025"},
        {**BULK_CREATE_BODY[0], "link_ro": "not a url"},
    ]

    response = partner_api.call("POST", "bulk-create/", json=body)

    assert response.status_code == 400
    errors = response.json()
    assert errors[0] == {"name_ro": ["This field may not be null."]}
    assert list(errors[1]) == ["start_time"]
    assert errors[1]["start_time"][0].startswith("Datetime has wrong format")
    assert errors[2] == {"link_ro": ["Enter a valid URL."]}


def test_bulk_create_of_a_non_list_is_400(partner_api):
    response = partner_api.call("POST", "bulk-create/", json=BULK_CREATE_BODY[0])

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ['Expected a list of items but got type "dict".']}


def test_bulk_update_with_an_unknown_id_is_a_per_item_error_and_writes_nothing(partner_api):
    # given
    ids = [item["id"] for item in partner_api.call("POST", "bulk-create/", json=BULK_CREATE_BODY).json()]
    body = [{"id": ids[0], "active": False}, {"id": 999999, "active": False}, {"active": False}]
    # when
    response = partner_api.call("PUT", "bulk-update/", json=body)
    # then
    assert response.status_code == 400
    assert response.json() == [
        {},
        {"id": ["Gift with id 999999 does not exist."]},
        {"id": ["This field is required."]},
    ]
    assert PartnerRemoteGift.objects.get(pk=ids[0]).active is True


def test_update_checks_removal_after_start_against_the_stored_values(partner_api):
    gift_id = _create_full(partner_api)

    response = partner_api.call("PUT", f"{gift_id}/", json={"removal_time": "2025-08-25T09:00:00"})

    assert response.status_code == 400
    assert response.json() == {"removal_time": ["Removal time must be after start time."]}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "Api-Key wrong"}, "Invalid API key."),
    ],
)
def test_missing_or_wrong_credentials_are_401(partner_api, headers, detail):
    for method, path, body in [("GET", "", None), ("POST", "bulk-create/", BULK_CREATE_BODY)]:
        response = partner_api.call(method, path, json=body, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"detail": detail}
    assert PartnerRemoteGift.objects.count() == 0


def test_the_accepted_header_and_secret_are_settings(partner_api, settings):
    settings.SANDBOX_PARTNER_AUTH_HEADER = "X-Partner-Key"
    settings.SANDBOX_PARTNER_SECRET = "other-secret"

    refused = partner_api.call("GET")
    accepted = partner_api.call("GET", headers={"X-Partner-Key": "other-secret"})

    assert (refused.status_code, accepted.status_code) == (401, 200)


def test_commit_then_hang_fault_keeps_the_created_gifts(partner_api):
    # given
    faults.arm(
        provider="partner", kind="commit_then_hang", path="external/gift/bulk-create", delay_seconds=2.0
    )
    # when
    with pytest.raises(requests.exceptions.ReadTimeout):
        partner_api.call("POST", "bulk-create/", json=BULK_CREATE_BODY, timeout=0.5)
    # then
    names = [gift["name_ro"] for gift in partner_api.call("GET").json()]
    assert names == ["Cadou nou 1", "Cadou nou 2"]
