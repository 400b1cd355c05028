"""Bad input of every kind: per-field and per-item errors, nothing half-written, never a 500."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from catalog.models import Gift

from .factories import GiftFactory, PartnerFactory, issue_key

pytestmark = pytest.mark.django_db(transaction=True)

VALID = {"name_ro": "Cadou", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}


@pytest.fixture
def partner():
    return PartnerFactory()


@pytest.fixture
def client(api_client, partner):
    return api_client(issue_key(partner=partner, can_write=True))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name_ro", None, "This field may not be null or blank."),
        ("name_ro", "   ", "This field may not be null or blank."),
        ("name_ru", 5, "Expected a string or null."),
        ("name_en", "x" * 256, "Ensure this field has no more than 255 characters."),
        ("description_uk", ["a"], "Expected a string or null."),
        ("description_ro", "bad\x00text", "Null characters are not allowed."),
        ("link_ro", "www.google.com", "Expected an absolute http(s) URL or null."),
        ("link_ru", "ftp://example.com/", "Expected an absolute http(s) URL or null."),
        ("link_en", "https://exa mple.com/", "Expected an absolute http(s) URL or null."),
        ("icon_ro", "gift_images/x.png", 'Expected an absolute http(s) URL, or null/"" to clear.'),
        ("image_uk", "javascript:alert(1)", 'Expected an absolute http(s) URL, or null/"" to clear.'),
        ("icon_en", 42, "Expected a string or null."),
        (
            "start_time",
            "2025-08-27",
            "Expected a date and time like 2025-08-25T09:50:00 (TIME_ZONE) or 2025-08-25T09:50:00+03:00.",
        ),
        (
            "start_time",
            "27.08.2025 10:00",
            "Expected a date and time like 2025-08-25T09:50:00 (TIME_ZONE) or 2025-08-25T09:50:00+03:00.",
        ),
        (
            "removal_time",
            1756893600,
            "Expected a date and time like 2025-08-25T09:50:00 (TIME_ZONE) or 2025-08-25T09:50:00+03:00.",
        ),
        ("removal_time", "2025-13-02T18:00:00", "Not a valid date and time: '2025-13-02T18:00:00'."),
        ("active", "true", "Must be a valid boolean (true or false)."),
        ("active", 1, "Must be a valid boolean (true or false)."),
        ("active", None, "Must be a valid boolean (true or false)."),
        ("name", "Cadou", "Unknown field."),
        ("owner", 1, "Unknown field."),
        ("id", 7, "Must not be set when creating a gift."),
    ],
)
def test_bulk_create_reports_the_bad_field_of_the_bad_item_and_writes_nothing(client, field, value, message):
    # given a valid item followed by one with a bad field
    bad = {**VALID, field: value}

    # when
    response = client.post("gift/bulk-create/", json=[VALID, bad])

    # then
    assert response.status_code == 400
    assert response.json() == [{}, {field: [message]}]
    assert Gift.objects.count() == 0


@pytest.mark.parametrize("missing", ["name_ro", "start_time", "removal_time"])
def test_bulk_create_requires_default_language_name_and_time_window(client, missing):
    item = {key: value for key, value in VALID.items() if key != missing}

    response = client.post("gift/bulk-create/", json=[item])

    assert response.status_code == 400
    assert response.json() == [{missing: ["This field is required."]}]


def test_bulk_create_defaults_active_to_true_and_allows_missing_link(client):
    response = client.post("gift/bulk-create/", json=[VALID])

    assert response.status_code == 201
    assert response.json()[0]["active"] is True
    assert response.json()[0]["link_ro"] is None


@pytest.mark.parametrize(
    ("start", "removal"),
    [("2025-09-02T18:00:00", "2025-09-02T18:00:00"), ("2025-09-02T18:00:00", "2025-08-27T10:00:00")],
)
def test_removal_time_must_be_after_start_time(client, start, removal):
    response = client.post(
        "gift/bulk-create/", json=[{**VALID, "start_time": start, "removal_time": removal}]
    )

    assert response.status_code == 400
    assert response.json() == [{"removal_time": ["Must be after start_time."]}]
    assert Gift.objects.count() == 0


def test_several_bad_items_each_get_their_own_errors_aligned_with_the_input(client):
    items = [{**VALID, "active": "yes"}, VALID, "not an object", {**VALID, "link_ro": "nope", "name_ru": 1}]

    response = client.post("gift/bulk-create/", json=items)

    assert response.status_code == 400
    assert response.json() == [
        {"active": ["Must be a valid boolean (true or false)."]},
        {},
        {"non_field_errors": ["Expected a JSON object."]},
        {"link_ro": ["Expected an absolute http(s) URL or null."], "name_ru": ["Expected a string or null."]},
    ]
    assert Gift.objects.count() == 0


@pytest.mark.parametrize("path", ["gift/bulk-create/", "gift/bulk-update/"])
@pytest.mark.parametrize("body", [{"name_ro": "x"}, "text", 3, None])
def test_bulk_endpoints_want_an_array(client, path, body):
    method = client.post if path.endswith("create/") else client.put

    response = method(path, json=body)

    assert response.status_code == 400
    assert response.json() == {"detail": "Expected a JSON array of gift objects."}


def test_more_items_than_gift_bulk_max_items_is_a_clear_400(client, settings):
    settings.GIFT_BULK_MAX_ITEMS = 3

    response = client.post("gift/bulk-create/", json=[VALID] * 4)

    assert response.status_code == 400
    assert response.json() == {"detail": "Too many items: 4; at most 3 gifts per request."}
    assert Gift.objects.count() == 0


def test_a_full_bulk_of_the_default_maximum_fits_under_the_body_limit(client, settings):
    # 1,000 items with every text field filled (4 languages) stays below DATA_UPLOAD_MAX_MEMORY_SIZE.
    item = {**VALID}
    for lang in ("ro", "ru", "en", "uk"):
        item[f"name_{lang}"] = "N" * 120
        item[f"description_{lang}"] = "D" * 500
        item[f"link_{lang}"] = "https://www.example.com/" + "l" * 100
        item[f"icon_{lang}"] = "https://cdn.example.com/" + "i" * 80 + ".png"
        item[f"image_{lang}"] = "https://cdn.example.com/" + "m" * 80 + ".png"

    response = client.post("gift/bulk-create/", json=[item] * settings.GIFT_BULK_MAX_ITEMS)

    assert response.status_code == 201
    assert Gift.objects.count() == settings.GIFT_BULK_MAX_ITEMS


def test_oversized_body_is_a_413_json_not_a_500(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = json.dumps([{**VALID, "description_ro": "d" * 3000}]).encode()

    response = client.post("gift/bulk-create/", data=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.json() == {"detail": f"Request body is {len(body)} bytes; the limit is 2000 bytes."}
    assert Gift.objects.count() == 0


def test_oversized_chunked_body_without_length_is_refused_json(client, settings):
    # Django's own server cannot read a chunked body at all (411); gunicorn reads it and answers 413
    # (tests/reliability/test_production_profile.py).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000

    def chunks():
        yield b'[{"name_ro": "'
        yield b"x" * 5000
        yield b'"}]'

    response = client.post("gift/bulk-create/", data=chunks(), headers={"Content-Type": "application/json"})

    assert response.status_code == 411
    assert response.json()["detail"].startswith("Send the body with a Content-Length header")
    assert Gift.objects.count() == 0


@pytest.mark.parametrize("body", [b"[{", b"{'a': 1}", b"[NaN]", b"\xff\xfe"])
def test_malformed_json_is_a_400_json(client, body):
    response = client.post("gift/bulk-create/", data=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")


def test_other_content_types_are_refused_in_json(client):
    response = client.post(
        "gift/bulk-create/", data="a=b", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 415
    assert response.json() == {
        "detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'
    }


def test_update_validates_the_merged_state(client, partner):
    gift = GiftFactory(owner=partner)  # 2025-08-25 09:50 .. 2025-08-30 10:50 UTC

    response = client.put(f"gift/{gift.pk}/", json={"start_time": "2025-08-31T00:00:00"})

    assert response.status_code == 400
    assert response.json() == {"start_time": ["Must be before removal_time."]}
    gift.refresh_from_db()
    assert gift.start_time == datetime(2025, 8, 25, 9, 50, tzinfo=UTC)


def test_update_may_not_clear_the_default_language_name(client, partner):
    gift = GiftFactory(owner=partner)

    response = client.patch(f"gift/{gift.pk}/", json={"name_ro": ""})

    assert response.status_code == 400
    assert response.json() == {"name_ro": ["This field may not be null or blank."]}


def test_update_with_a_different_id_in_the_body_is_refused(client, partner):
    gift = GiftFactory(owner=partner)

    response = client.put(f"gift/{gift.pk}/", json={"id": gift.pk + 1, "active": False})

    assert response.status_code == 400
    assert response.json() == {"id": ["Does not match the id in the URL."]}


def test_update_body_must_be_an_object(client, partner):
    gift = GiftFactory(owner=partner)

    response = client.put(f"gift/{gift.pk}/", json=[{"active": False}])

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Expected a JSON object."]}


def test_bulk_update_errors_are_per_item_and_nothing_is_written(client, partner):
    # given
    mine = GiftFactory(owner=partner, name_ro="Mine")
    other = GiftFactory(owner=PartnerFactory(), name_ro="Theirs")
    staff = GiftFactory(owner=None, name_ro="Staff")
    duplicate = GiftFactory(owner=partner)
    items = [
        {"id": mine.pk, "name_ro": "Changed"},
        {"id": 999_999, "active": False},
        {"id": other.pk, "active": False},
        {"id": staff.pk, "active": False},
        {"id": duplicate.pk, "active": False},
        {"id": duplicate.pk, "active": True},
        {"active": False},
        {"id": "1", "active": False},
        {"id": mine.pk + 0, "removal_time": "2020-01-01T00:00:00"},
    ]

    # when
    response = client.put("gift/bulk-update/", json=items)

    # then
    assert response.status_code == 400
    assert response.json() == [
        {"id": [f"Gift {mine.pk} appears more than once in this request."]},
        {"id": ["Gift 999999 does not exist."]},
        {"id": [f"Gift {other.pk} was not created by your partner account."]},
        {"id": [f"Gift {staff.pk} was not created by your partner account."]},
        {"id": [f"Gift {duplicate.pk} appears more than once in this request."]},
        {"id": [f"Gift {duplicate.pk} appears more than once in this request."]},
        {"id": ["This field is required."]},
        {"id": ["A valid integer id is required."]},
        {"id": [f"Gift {mine.pk} appears more than once in this request."]},
    ]
    assert list(Gift.objects.order_by("pk").values_list("name_ro", "active")) == [
        ("Mine", True),
        ("Theirs", True),
        ("Staff", True),
        (duplicate.name_ro, True),
    ]


def test_bulk_update_merged_state_error_blocks_the_valid_items_too(client, partner):
    first, second = GiftFactory(owner=partner, name_ro="A"), GiftFactory(owner=partner, name_ro="B")

    response = client.put(
        "gift/bulk-update/",
        json=[{"id": first.pk, "name_ro": "A2"}, {"id": second.pk, "removal_time": "2025-08-01T00:00:00"}],
    )

    assert response.status_code == 400
    assert response.json() == [{}, {"removal_time": ["Must be after start_time."]}]
    assert list(Gift.objects.order_by("pk").values_list("name_ro", flat=True)) == ["A", "B"]


@pytest.mark.parametrize(
    "query",
    [
        "active=maybe",
        "updated_since=yesterday",
        "updated_since=0001-01-01T00:00:00%2B03:00",  # overflows when converted to UTC
        "limit=-1",
        "limit=%C2%B2",  # "²": a digit to str.isdigit(), not to int()
        "offset=x",
        "offset=%D9%A3",  # Arabic-Indic three
    ],
)
def test_bad_list_filters_are_400_with_the_parameter_named(client, query):
    response = client.get(f"gift/?{query}")

    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00+03:00", "0001-01-01T00:00:00", "9999-12-31T23:00:00+00:00", "1899-12-31T23:59:59"],
)
def test_datetimes_outside_the_accepted_years_are_a_400_not_a_500(client, value):
    response = client.post("gift/bulk-create/", json=[{**VALID, "removal_time": value}])

    assert response.status_code == 400
    assert response.json() == [{"removal_time": ["The year must be between 1900 and 9000."]}]
    assert Gift.objects.count() == 0


def test_ids_beyond_the_database_integer_are_unknown_gifts_not_a_500(client, partner):
    # given
    huge = 2**63
    GiftFactory(owner=partner)

    # when
    bulk = client.put("gift/bulk-update/", json=[{"id": huge, "active": False}])
    put = client.put(f"gift/{huge}/", json={"active": False})
    get = client.get(f"gift/{huge}/")

    # then
    assert (bulk.status_code, bulk.json()) == (400, [{"id": [f"Gift {huge} does not exist."]}])
    assert (put.status_code, put.json()) == (404, {"detail": "Not found."})
    assert (get.status_code, get.json()) == (404, {"detail": "Not found."})
    assert Gift.objects.get().active is True
