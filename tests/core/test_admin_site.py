"""The admin index says who is who: our API's callers, the sites we push to, the suppliers."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

pytestmark = pytest.mark.django_db


def index_boxes(html: str) -> list[tuple[str, list[str]]]:
    """(caption, model names) of each box of the admin index, in page order."""
    main = html.split('id="content-main"', 1)[1]
    boxes = []
    for table in re.findall(r"<table>.*?</table>", main, re.S):
        caption = re.search(r'class="section"[^>]*>([^<]+)</a>', table).group(1)
        models = re.findall(r'<th scope="row" id="[^"]+">\s*<a [^>]*>([^<]+)</a>', table)
        boxes.append((caption, models))
    return boxes


def test_index_shows_the_catalog_in_boxes_that_say_who_calls_whom(admin_client):
    html = admin_client.get("/en/admin/").content.decode()

    catalog = [box for box in index_boxes(html) if box[0] not in ("Authentication and Authorization",)]
    assert catalog[:3] == [
        ("Our gifts and API clients (who call our API)", ["Gifts", "API clients", "API client keys"]),
        ("Partner sites (we push to)", ["Partner sites (we push to)", "Gift publications", "Push runs"]),
        (
            "Supplier catalogs (we buy from)",
            ["Tribute products", "Telegram gifts", "GamesDrop offers", "Offer price changes", "Sync runs"],
        ),
    ]


def test_a_box_none_of_whose_models_the_user_may_see_is_not_shown(client):
    viewer = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_partnersite"))
    client.force_login(viewer)

    html = client.get("/en/admin/").content.decode()

    assert index_boxes(html) == [("Partner sites (we push to)", ["Partner sites (we push to)"])]


def test_the_catalog_page_keeps_one_box_under_the_apps_name(admin_client):
    html = admin_client.get("/en/admin/catalog/").content.decode()

    assert [caption for caption, _models in index_boxes(html)] == ["Catalog"]


def test_view_site_opens_the_partner_api_docs(admin_client):
    html = admin_client.get("/en/admin/").content.decode()

    assert re.findall(r'<a href="([^"]*)">View site</a>', html) == ["/external/docs/"]
    assert admin_client.get("/external/docs/").status_code == 200
