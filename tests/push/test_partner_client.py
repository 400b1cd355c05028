"""The partner client over real HTTP against the sandbox, plus narrow unit tests of answer handling."""

import pytest
import responses

from giftoffice.integrations.base import AuthError, BadResponseError, OutcomeUnknownError, RejectedError
from giftoffice.integrations.partner import BatchRejectedError, GiftWrite, PartnerSiteClient
from giftoffice.sandbox.models import PartnerRemoteGift

GIFT_A = {"name_ro": "Cadou A", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}
GIFT_B = {"name_ro": "Cadou B", "start_time": "2025-08-28T09:30:00", "removal_time": "2025-09-03T19:00:00"}


@pytest.mark.django_db(transaction=True)
def test_bulk_create_maps_partial_echoes_to_inputs_by_position(partner_client):
    # when
    created = partner_client.bulk_create(
        [GiftWrite(fields=GIFT_A), GiftWrite(fields={**GIFT_B, "active": False})]
    )
    # then
    assert [gift.fields["name_ro"] for gift in created] == ["Cadou A", "Cadou B"]
    assert set(created[0].fields) == set(GIFT_A)  # only what was sent comes back
    assert created[1].get("active") is False
    stored = {gift.pk: gift.name_ro for gift in PartnerRemoteGift.objects.all()}
    assert stored == {created[0].id: "Cadou A", created[1].id: "Cadou B"}


@pytest.mark.django_db(transaction=True)
def test_list_get_update_and_bulk_update_round_trip(partner_client):
    # given
    first, second = partner_client.bulk_create([GiftWrite(fields=GIFT_A), GiftWrite(fields=GIFT_B)])
    # when
    updated = partner_client.update_gift(first.id, GiftWrite(fields={"name_en": "Gift A"}))
    bulk = partner_client.bulk_update(
        [GiftWrite(id=second.id, fields={"active": False}), GiftWrite(id=first.id, fields={"active": False})]
    )
    # then
    assert updated.id == first.id
    assert dict(updated.fields) == {"name_en": "Gift A"}
    assert [gift.id for gift in bulk] == [second.id, first.id]
    one = partner_client.get_gift(first.id)
    assert (one.get("name_ro"), one.get("name_en"), one.get("active")) == ("Cadou A", "Gift A", False)
    assert one.start_time.isoformat() == "2025-08-27T10:00:00+00:00"
    assert [gift.id for gift in partner_client.list_gifts()] == [first.id, second.id]


@pytest.mark.django_db(transaction=True)
def test_refused_bulk_create_raises_item_errors_aligned_with_the_input(partner_client):
    with pytest.raises(BatchRejectedError) as caught:
        partner_client.bulk_create([GiftWrite(fields=GIFT_A), GiftWrite(fields={**GIFT_B, "name_ro": ""})])

    assert caught.value.item_errors == ["", "name_ro: This field may not be blank."]
    assert caught.value.status == 400
    assert PartnerRemoteGift.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_unknown_id_on_get_is_rejected_as_not_found(partner_client):
    with pytest.raises(RejectedError) as caught:
        partner_client.get_gift(424242)

    assert (caught.value.code, caught.value.status) == ("not_found", 404)


@pytest.mark.django_db(transaction=True)
def test_wrong_secret_is_an_auth_error_that_never_shows_the_secret(partner_site):
    from catalog.services.partner_sites import client_for

    partner_site.auth_secret = "Api-Key not-the-right-one"
    client = client_for(partner_site)

    with pytest.raises(AuthError) as caught:
        client.list_gifts()

    assert caught.value.status == 401
    assert "not-the-right-one" not in str(caught.value)


def _client() -> PartnerSiteClient:
    return PartnerSiteClient(
        base_url="https://partner.test",
        auth_header="Authorization",
        auth_secret="Api-Key s3cret",
        max_retries=0,
    )


@responses.activate
def test_bulk_create_answer_with_another_item_count_is_a_bad_response():
    responses.post("https://partner.test/external/gift/bulk-create/", json=[{"id": 1}], status=201)

    with pytest.raises(BadResponseError, match="answered 1 items for 2 sent"):
        _client().bulk_create([GiftWrite(fields=GIFT_A), GiftWrite(fields=GIFT_B)])


@responses.activate
def test_bulk_create_echo_out_of_order_is_a_bad_response():
    responses.post(
        "https://partner.test/external/gift/bulk-create/",
        json=[{"id": 2, "name_ro": "Cadou B"}, {"id": 1, "name_ro": "Cadou A"}],
        status=201,
    )

    with pytest.raises(BadResponseError, match="does not match"):
        _client().bulk_create([GiftWrite(fields=GIFT_A), GiftWrite(fields=GIFT_B)])


@responses.activate
def test_bulk_create_echo_with_only_ids_is_accepted():
    responses.post("https://partner.test/external/gift/bulk-create/", json=[{"id": 7}, {"id": 8}], status=201)

    created = _client().bulk_create([GiftWrite(fields=GIFT_A), GiftWrite(fields=GIFT_B)])

    assert [(gift.id, dict(gift.fields)) for gift in created] == [(7, {}), (8, {})]


@responses.activate
def test_bulk_create_answered_500_is_an_unknown_outcome_and_not_retried():
    responses.post("https://partner.test/external/gift/bulk-create/", json={"detail": "boom"}, status=500)
    client = PartnerSiteClient(
        base_url="https://partner.test", auth_header="Authorization", auth_secret="x", max_retries=3
    )

    with pytest.raises(OutcomeUnknownError):
        client.bulk_create([GiftWrite(fields=GIFT_A)])

    assert len(responses.calls) == 1


@responses.activate
def test_the_auth_header_name_and_value_are_sent_as_configured():
    responses.get("https://partner.test/external/gift/", json=[])
    client = PartnerSiteClient(base_url="https://partner.test/", auth_header="X-Api-Key", auth_secret="k-1")

    assert client.list_gifts() == []
    assert responses.calls[0].request.headers["X-Api-Key"] == "k-1"


def test_gift_write_refuses_keys_outside_the_wire_format():
    with pytest.raises(ValueError, match="price"):
        GiftWrite(fields={"name_ro": "x", "price": "1"})
