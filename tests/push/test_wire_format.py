"""How a gift is rendered for a partner site (the document's wire format)."""

from datetime import UTC, datetime

import pytest

from catalog.publishing.render import fingerprint, render_gift
from catalog.selectors.gift_wire import gift_payload, media_url_prefix
from tests.push.factories import GiftFactory

pytestmark = pytest.mark.django_db


def test_a_gift_is_rendered_with_every_language_field_and_naive_local_datetimes(settings):
    # given
    settings.TIME_ZONE = "Europe/Chisinau"  # UTC+3 in summer
    settings.PUBLIC_BASE_URL = "https://office.example"
    gift = GiftFactory(
        name_ro="Cadou",
        name_ru="",
        description_en="",
        icon_ro="gift_images/0b0e.png",
        image_en="https://cdn.partner.example/img.png",
        start_time=datetime(2025, 8, 25, 6, 50, tzinfo=UTC),
        removal_time=datetime(2025, 8, 30, 7, 50, 30, 123456, tzinfo=UTC),
        active=False,
    )
    # when
    payload = render_gift(gift, languages=["ro", "ru", "en", "uk"])
    # then
    assert list(payload) == [
        *(
            f"{field}_{lang}"
            for field in ("icon", "image", "name", "link", "description")
            for lang in ("ro", "ru", "en", "uk")
        ),
        "start_time",
        "removal_time",
        "active",
    ]
    assert payload["icon_ro"] == "https://office.example/media/gift_images/0b0e.png"
    assert payload["icon_ru"] is None
    assert payload["image_en"] == "https://cdn.partner.example/img.png"
    assert (payload["name_ro"], payload["name_ru"], payload["description_en"]) == ("Cadou", None, None)
    assert (payload["start_time"], payload["removal_time"]) == ("2025-08-25T09:50:00", "2025-08-30T10:50:30")
    assert payload["active"] is False


def test_only_the_given_languages_are_rendered():
    payload = render_gift(GiftFactory(), languages=["ro", "en"])

    assert sorted(k for k in payload if k.startswith("name_")) == ["name_en", "name_ro"]
    assert "link_ru" not in payload


def test_the_fingerprint_follows_the_content_not_the_key_order():
    assert fingerprint({"a": 1, "b": None}) == fingerprint({"b": None, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_the_partner_client_speaks_exactly_the_keys_our_api_writes():
    from catalog import gift_fields
    from giftoffice.integrations import partner

    assert partner.WIRE_FIELDS == gift_fields.WRITABLE_KEYS
    assert partner.DEFAULT_NAME_KEY == gift_fields.DEFAULT_NAME_KEY == "name_ro"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-25T09:50:00+03:00", datetime(2025, 8, 25, 6, 50, tzinfo=UTC)),
        ("2025-08-25T09:50:00", datetime(2025, 8, 25, 9, 50, tzinfo=UTC)),
        ("25/08/2025", None),
        (None, None),
    ],
)
def test_the_client_reads_a_remote_datetime_leniently(settings, value, expected):
    from giftoffice.integrations.partner import read_remote_datetime

    settings.TIME_ZONE = "UTC"

    assert read_remote_datetime(value) == expected


@pytest.mark.parametrize("public_base_url", ["https://office.example", ""])
def test_pushed_image_urls_are_the_ones_our_api_serves(client, settings, public_base_url):
    # given: the demo on another port; without PUBLIC_BASE_URL the sandbox's origin is the demo's own
    settings.PUBLIC_BASE_URL = public_base_url
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:8201/sandbox"
    gift = GiftFactory(icon_ro="gift_images/0b0e.png")
    # when
    pushed = render_gift(gift, languages=["ro"])["icon_ro"]
    served = gift_payload(gift.pk, media_prefix=media_url_prefix())["icon_ro"]
    # then
    origin = public_base_url or "http://127.0.0.1:8201"
    assert pushed == served == f"{origin}/media/gift_images/0b0e.png"
