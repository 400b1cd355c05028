"""One set of gift rules (gift_input.stored_gift_errors) for the admin form, the API, the push plan; rows
stored before the rules are listed, not rewritten, and the partner API does not serve a gift without
name_ro."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Gift
from catalog.services.gift_input import stored_gift_errors
from giftoffice.sandbox.models.partner import PartnerRemoteGift
from tests.api.factories import PartnerFactory, issue_key
from tests.i18n.pages import text
from tests.push.factories import GiftFactory, PartnerSiteFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name_ro": "",
    "name_en": "Only English",
    "start_time_0": "2025-01-01",
    "start_time_1": "10:00",
    "removal_time_0": "2025-02-01",
    "removal_time_1": "10:00",
    "active": "on",
}


def legacy_gift_without_default_name() -> Gift:
    gift = GiftFactory()
    Gift.objects.filter(pk=gift.pk).update(name_ro=None)  # as older admin forms saved it
    return gift


def errors_of(page: str) -> list[str]:
    return [text(e) for e in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)]


def test_the_admin_refuses_a_gift_without_a_name_in_the_default_language(admin_client):
    response = admin_client.post("/en/admin/catalog/gift/add/", FORM)

    assert response.status_code == 200
    assert errors_of(response.content.decode()) == ["This field may not be null or blank."]
    assert not Gift.objects.exists()


def test_the_admin_form_applies_the_apis_link_rule_in_the_admins_language(admin_client):
    response = admin_client.post(
        "/admin/catalog/gift/add/", {**FORM, "name_ro": "Cadou", "link_ro": "ftp://shop.example/x"}
    )

    assert "Se aștepta un URL absolut http(s) sau nimic." in errors_of(response.content.decode())
    assert not Gift.objects.exists()


def test_the_services_rules_name_the_broken_fields():
    gift = legacy_gift_without_default_name()
    gift.refresh_from_db()

    assert stored_gift_errors({"name_ro": gift.name_ro, "link_en": "nope"}) == {
        "name_ro": ["This field may not be null or blank."],
        "link_en": ["Expected an absolute http(s) URL or null."],
    }


def test_rows_breaking_a_rule_are_listed_with_a_warning_and_a_filter(admin_client):
    broken = legacy_gift_without_default_name()
    GiftFactory()

    listing = admin_client.get("/en/admin/catalog/gift/")
    filtered = admin_client.get("/en/admin/catalog/gift/?rules=broken")

    page = text(listing.content.decode())
    assert "1 gift breaks a catalog rule: it is neither served by the API nor pushed. Show them" in page
    assert list(filtered.context["cl"].result_list) == [broken]
    assert "⚠ breaks a rule" in text(filtered.content.decode())
    broken.refresh_from_db()
    assert broken.name_ro is None  # listed, not changed


def test_the_push_plan_flags_a_broken_gift_and_sends_only_the_others(admin_client):
    site = PartnerSiteFactory(name="shop")
    broken, fine = legacy_gift_without_default_name(), GiftFactory(name_ro="Bun")

    response = admin_client.post(
        "/en/admin/catalog/gift/",
        {"action": "push_to_partner_site", "_selected_action": [broken.pk, fine.pk], "site": site.pk},
    )

    page = text(response.content.decode())
    assert f"Not sent: these gifts break a catalog rule #{broken.pk}" in page
    assert "name_ro: This field may not be null or blank." in page
    assert response.context["report"]["create"] == [
        {"gift": fine.pk, "label": fine.name_en, "uncertain": False}
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("query", ["", "?limit=10"])
def test_the_api_does_not_serve_a_gift_without_name_ro(api_client, query):
    client = api_client(issue_key(partner=PartnerFactory()))
    broken, fine = legacy_gift_without_default_name(), GiftFactory()

    listed = client.get(f"gift/{query}")
    detail = client.get(f"gift/{broken.pk}/")

    assert [gift["id"] for gift in listed.json()] == [fine.pk]
    assert listed.headers["X-Total-Count"] == "1"
    assert detail.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_push_command_leaves_out_a_broken_gift_with_one_line(partner_site_on_sandbox):
    broken, fine = legacy_gift_without_default_name(), GiftFactory()
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("push_gifts", "--site", partner_site_on_sandbox.name, "--all", stdout=out)

    lines = out.getvalue().splitlines()
    assert (
        lines[0]
        == f"not sent, breaks a catalog rule: #{broken.pk}: name_ro: This field may not be null or blank."
    )
    assert str(failure.value) == f"not sent: gift {broken.pk}: breaks a catalog rule (fix it in the admin)"
    assert PartnerRemoteGift.objects.get().name_ro == fine.name_ro


@pytest.fixture
def partner_site_on_sandbox(sandbox):
    return PartnerSiteFactory(name="sandbox", base_url=f"{sandbox}/partner")
