"""OpenAPI schema and docs page, the create_partner_key command, the demo gifts, payloads for pushes."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command

from catalog.gift_fields import WIRE_KEYS
from catalog.models import Gift, Partner, PartnerApiKey
from catalog.selectors.gift_wire import gift_payloads
from catalog.services.api_keys import authenticate_api_key, hash_key
from catalog.services.gift_input import parse_wire_datetime
from giftoffice.demo.gifts import load_demo_gifts

from .factories import GiftFactory, issue_key

LANGS = ("ro", "ru", "en", "uk")


@pytest.mark.django_db(transaction=True)
def test_schema_documents_the_gift_endpoints_with_per_language_fields(live_server):
    response = requests.get(f"{live_server.url}/external/schema/?format=json", timeout=30)

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == [
        "/external/gift/",
        "/external/gift/bulk-create/",
        "/external/gift/bulk-update/",
        "/external/gift/{id}/",
    ]
    assert sorted(schema["paths"]["/external/gift/{id}/"]) == ["get", "patch", "put"]
    assert sorted(schema["paths"]["/external/gift/bulk-create/"]) == ["post"]
    assert sorted(schema["paths"]["/external/gift/bulk-update/"]) == ["put"]
    gift = schema["components"]["schemas"]["Gift"]
    assert list(gift["properties"]) == list(WIRE_KEYS)
    create = schema["components"]["schemas"]["GiftCreate"]
    assert sorted(create["required"]) == ["name_ro", "removal_time", "start_time"]
    assert "link_ro" not in create["required"]
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Api-Key <key>`, e.g. `Authorization: Api-Key gk_1a2b3c4d_...`",
    }
    list_params = {p["name"] for p in schema["paths"]["/external/gift/"]["get"]["parameters"]}
    assert list_params == {"active", "updated_since", "limit", "offset", "after"}


@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_with_self_hosted_assets(live_server):
    response = requests.get(f"{live_server.url}/external/docs/", timeout=30)

    assert response.status_code == 200
    assert "/external/schema/" in response.text
    bundle = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert f"/static/{bundle}" in response.text
    assert finders.find(bundle) is not None


@pytest.mark.django_db
def test_create_partner_key_prints_a_working_key_as_the_last_line():
    out = StringIO()

    call_command("create_partner_key", "Acme", "--write", stdout=out)

    key = out.getvalue().strip().splitlines()[-1]
    api_key = PartnerApiKey.objects.get()
    assert (api_key.partner.name, api_key.can_write) == ("Acme", True)
    assert api_key.key_hash == hash_key(key)
    assert key not in (api_key.key_hash, api_key.prefix)
    assert authenticate_api_key(plain_key=key).pk == api_key.pk


@pytest.mark.django_db
def test_create_partner_key_reuses_the_partner_and_defaults_to_read_only():
    call_command("create_partner_key", "Acme", stdout=StringIO())
    out = StringIO()

    call_command("create_partner_key", "Acme", stdout=out)

    assert Partner.objects.count() == 1
    assert list(PartnerApiKey.objects.values_list("can_write", flat=True)) == [False, False]
    assert "Partner: Acme (existing)" in out.getvalue()
    assert "read-only" in out.getvalue()


@pytest.mark.django_db
def test_create_partner_key_refuses_an_empty_name():
    with pytest.raises(CommandError, match=r"Partner name must not be empty\."):
        call_command("create_partner_key", "  ", stdout=StringIO())


@pytest.mark.django_db
def test_demo_gifts_are_idempotent_with_four_languages_and_real_pngs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    first = load_demo_gifts()
    second = load_demo_gifts()

    assert first == "5 demo gifts in 4 languages (5 new)"
    assert second == "5 demo gifts in 4 languages (0 new)"
    assert Gift.objects.count() == 5
    for gift in Gift.objects.all():
        assert all(
            getattr(gift, f"{field}_{lang}") for field in ("name", "description", "link") for lang in LANGS
        )
        for image in (gift.icon_ro, gift.image_ro):
            assert image.name.startswith("gift_images/")
            assert image.name.endswith(".png")
            assert (Path(tmp_path) / image.name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.django_db
def test_payloads_for_partner_sites_can_drop_id_and_languages():
    gift = GiftFactory(
        name_ro="Cadou", name_en="Gift", icon_ro="gift_images/a.png", link_en="https://x.example/"
    )

    (full,) = gift_payloads([gift.pk], media_prefix="https://office.example.com/media/")
    (create,) = gift_payloads(
        Gift.objects.filter(pk=gift.pk),
        media_prefix="https://office.example.com/media/",
        include_id=False,
        languages=["ro", "en"],
    )

    assert list(full) == list(WIRE_KEYS)
    assert full["icon_ro"] == "https://office.example.com/media/gift_images/a.png"
    assert list(create) == [
        "icon_ro",
        "icon_en",
        "image_ro",
        "image_en",
        "name_ro",
        "name_en",
        "link_ro",
        "link_en",
        "description_ro",
        "description_en",
        "start_time",
        "removal_time",
        "active",
    ]
    assert (create["name_en"], create["start_time"], create["active"]) == (
        "Gift",
        "2025-08-25T09:50:00",
        True,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-25T09:50:00", datetime(2025, 8, 25, 9, 50, tzinfo=UTC)),
        ("2025-08-25 09:50", datetime(2025, 8, 25, 9, 50, tzinfo=UTC)),
        ("2025-08-25T09:50:00Z", datetime(2025, 8, 25, 9, 50, tzinfo=UTC)),
        ("2025-08-25T12:50:00+03:00", datetime(2025, 8, 25, 9, 50, tzinfo=UTC)),
        ("2025-08-25T12:50:00+0300", datetime(2025, 8, 25, 9, 50, tzinfo=UTC)),
        ("2025-08-25T09:50:00.75", datetime(2025, 8, 25, 9, 50, tzinfo=UTC)),
    ],
)
def test_wire_datetimes_parse_naive_as_time_zone_and_keep_offsets(value, expected):
    assert django_settings.TIME_ZONE == "UTC"
    assert parse_wire_datetime(value) == expected


@pytest.mark.django_db(transaction=True)
def test_schema_declares_the_largest_paging_number_the_list_accepts(live_server, api_client):
    schema = requests.get(f"{live_server.url}/external/schema/?format=json", timeout=30).json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/external/gift/"]["get"]["parameters"]}
    largest = params["offset"]["maximum"]
    assert params["limit"]["maximum"] == params["after"]["maximum"] == largest == 10**18 - 1

    client = api_client(issue_key(can_write=False))
    assert client.get(f"gift/?offset={largest}").status_code == 200
    too_big = client.get(f"gift/?offset={largest + 1}")
    assert too_big.status_code == 400
    assert too_big.json() == {"offset": ["Expected a whole number >= 0."]}
