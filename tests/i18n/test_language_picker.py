"""The header's language picker: from any language, on any admin page, to any other, keeping the page."""

from __future__ import annotations

import re

import pytest

from tests.i18n.pages import admin_url
from tests.push.factories import GiftFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["ro", "ru", "en", "uk"]
DIRECTIONS = [(source, target) for source in LANGUAGES for target in LANGUAGES if source != target]


def pick_language(client, page_url: str, language: str):
    """What the picker does: post the form's hidden `next` with the chosen language, follow the redirect."""
    page = client.get(page_url).content.decode()
    (next_url,) = re.findall(r'<input name="next" type="hidden" value="([^"]*)">', page)
    return client.post("/i18n/setlang/", {"language": language, "next": next_url.replace("&amp;", "&")})


@pytest.mark.parametrize(("source", "target"), DIRECTIONS)
def test_picking_a_language_on_a_change_form_keeps_the_page_in_the_new_language(admin_client, source, target):
    gift = GiftFactory()
    path = f"catalog/gift/{gift.pk}/change/"

    response = pick_language(admin_client, admin_url(source, path), target)

    assert response.status_code == 302
    assert response["Location"] == admin_url(target, path)
    page = admin_client.get(response["Location"]).content.decode()
    assert f'<html lang="{target}"' in page


@pytest.mark.parametrize("source", LANGUAGES)
def test_picking_a_language_keeps_the_lists_filters(admin_client, source):
    response = pick_language(admin_client, admin_url(source, "catalog/gift/?active__exact=1"), "uk")

    assert response["Location"] == "/uk/admin/catalog/gift/?active__exact=1"


def test_a_chain_of_picks_through_every_language_ends_where_it_started(admin_client):
    url = admin_url("ro", "")
    seen = []
    for language in ["ru", "en", "uk", "ro"]:
        url = pick_language(admin_client, url, language)["Location"]
        seen.append(url)

    assert seen == ["/ru/admin/", "/en/admin/", "/uk/admin/", "/admin/"]
    assert '<html lang="ro"' in admin_client.get(url).content.decode()
