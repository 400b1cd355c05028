"""Every text field is bounded and links are safe to hand to partners' users: the API, the admin and the
pull apply the same rules (catalog/validators.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from catalog.models import Gift
from catalog.publishing.runs import pull_gifts
from giftoffice.sandbox.models import PartnerRemoteGift
from tests.api.factories import GiftFactory, PartnerFactory, issue_key
from tests.push.test_pull import _remote

NEW = {"name_ro": "Cadou", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}
PRIVATE = "Links to local or private network addresses are not allowed."
CREDENTIALS = "Links may not contain a user name or password."
NUMERIC = "Write the host as a domain name or a standard IP address."
CONTROL = "Control characters are not allowed."

REFUSED_LINKS = [
    ("https://user:pass@shop.example/gift", CREDENTIALS),
    ("https://bank.example@evil.example/", CREDENTIALS),
    ("http://169.254.169.254/latest/meta-data/", PRIVATE),
    ("http://[fe80::1]/", PRIVATE),
    ("http://0.0.0.0/", PRIVATE),
    ("http://127.0.0.1:8000/admin/", PRIVATE),
    ("http://localhost/", PRIVATE),
    ("http://shop.localhost/", PRIVATE),
    ("http://10.1.2.3/", PRIVATE),
    ("http://192.168.1.1/", PRIVATE),
    ("http://[::1]/", PRIVATE),
    ("http://[::ffff:127.0.0.1]/", PRIVATE),
    ("http://2130706433/", NUMERIC),
    ("http://0x7f.1/", NUMERIC),
    ("https://shop.example/a\x07b", CONTROL),
]


@pytest.fixture
def api(api_client):
    return api_client(issue_key(partner=PartnerFactory()))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("link", "message"), REFUSED_LINKS)
def test_the_api_refuses_unsafe_links_and_image_urls_with_a_clear_error(api, link, message):
    response = api.post("gift/bulk-create/", json=[{**NEW, "link_en": link}, {**NEW, "icon_ro": link}])

    assert response.status_code == 400
    assert response.json() == [{"link_en": [message]}, {"icon_ro": [message]}]
    assert Gift.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_loopback_and_private_links_are_allowed_when_configured(api, settings):
    settings.GIFT_LINKS_ALLOW_PRIVATE_HOSTS = True

    response = api.post("gift/bulk-create/", json=[{**NEW, "link_en": "http://127.0.0.1:8000/shop/"}])

    assert response.status_code == 201
    assert response.json()[0]["link_en"] == "http://127.0.0.1:8000/shop/"


@pytest.mark.django_db(transaction=True)
def test_link_local_and_credentials_are_refused_even_when_private_hosts_are_allowed(api, settings):
    settings.GIFT_LINKS_ALLOW_PRIVATE_HOSTS = True

    response = api.post(
        "gift/bulk-create/",
        json=[{**NEW, "link_en": "http://169.254.169.254/"}, {**NEW, "link_ru": "https://u:p@shop.example/"}],
    )

    assert response.json() == [{"link_en": [PRIVATE]}, {"link_ru": [CREDENTIALS]}]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["Gift\nline", "Gift\tname", "Bell\x07", "C1\x85x", "Sep\u2028x"])
def test_the_api_refuses_control_characters_in_names(api, name):
    response = api.post("gift/bulk-create/", json=[{**NEW, "name_en": name}])

    assert response.status_code == 400
    assert response.json() == [{"name_en": [CONTROL]}]


@pytest.mark.django_db(transaction=True)
def test_descriptions_keep_line_breaks_and_tabs_but_not_other_control_characters(api):
    response = api.post(
        "gift/bulk-create/",
        json=[{**NEW, "description_en": "Line one\nLine two\tend"}, {**NEW, "description_en": "a\x1bb"}],
    )

    assert response.json() == [{}, {"description_en": [CONTROL]}]


@pytest.mark.django_db(transaction=True)
def test_descriptions_are_bounded_to_5000_characters(api):
    ok = api.post("gift/bulk-create/", json=[{**NEW, "description_uk": "д" * 5000}])
    too_long = api.post("gift/bulk-create/", json=[{**NEW, "description_uk": "д" * 5001}])

    assert ok.status_code == 201
    assert too_long.status_code == 400
    assert too_long.json() == [{"description_uk": ["Ensure this field has no more than 5000 characters."]}]
    assert Gift.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description_ru", "x" * 5001),
        ("name_en", "Gift\nname"),
        ("link_ro", "https://user:pass@shop.example/"),
        ("link_uk", "http://169.254.169.254/"),
    ],
)
def test_the_model_refuses_what_the_api_refuses(field, value):
    gift = GiftFactory.build(**{field: value})

    with pytest.raises(ValidationError) as caught:
        gift.full_clean()

    assert field in caught.value.message_dict


@pytest.mark.django_db
def test_the_admin_form_refuses_unsafe_links_long_descriptions_and_control_characters(client):
    user = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-for-tests-only")
    client.force_login(user)
    form = {
        "name_ro": "Cadou",
        "name_en": "Bell\x07",
        "description_ru": "x" * 5001,
        "link_ro": "https://user:pass@shop.example/",
        "start_time_0": "2025-08-27",
        "start_time_1": "10:00:00",
        "removal_time_0": "2025-09-02",
        "removal_time_1": "18:00:00",
        "active": "on",
    }

    response = client.post("/en/admin/catalog/gift/add/", form)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["name_en"] == [CONTROL]
    assert errors["description_ru"] == ["Ensure this value has at most 5000 characters (it has 5001)."]
    assert errors["link_ro"] == [CREDENTIALS]
    assert Gift.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_pull_refuses_remote_gifts_with_unsafe_links_or_control_characters(sandbox_partner_site):
    good = _remote()
    creds = _remote(name_ro="Creds", link_en="https://user:pass@shop.example/")
    bell = _remote(name_ro="Bell\x07")

    run = pull_gifts(site=sandbox_partner_site)

    assert (run.status, run.created, run.failed) == ("partly_failed", 1, 2)
    assert run.errors == [
        {"gift": None, "remote_id": creds.pk, "error": f"link_en: {CREDENTIALS}"},
        {"gift": None, "remote_id": bell.pk, "error": f"name_ro: {CONTROL}"},
    ]
    assert list(Gift.objects.values_list("name_ro", flat=True)) == ["Cadou test"]
    assert PartnerRemoteGift.objects.filter(pk=good.pk).exists()
