"""The list (filters, paging, ETag, streaming), absolute media URLs and TIME_ZONE on the wire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from catalog.models import Gift
from catalog.selectors import gift_wire
from catalog.services.gifts import set_gifts_active

from .factories import GiftFactory, PartnerFactory, issue_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def partner():
    return PartnerFactory()


@pytest.fixture
def client(api_client, partner):
    return api_client(issue_key(partner=partner))


def names(response) -> list[str]:
    return [gift["name_ro"] for gift in response.json()]


def test_filters_and_paging_keep_a_plain_array_with_the_total_in_a_header(client):
    for n in range(5):
        GiftFactory(name_ro=f"G{n}", active=n % 2 == 0)

    everything = client.get("gift/")
    active = client.get("gift/?active=true")
    inactive = client.get("gift/?active=false")
    page = client.get("gift/?limit=2&offset=1")
    active_page = client.get("gift/?active=1&limit=1&offset=1")
    beyond = client.get("gift/?offset=10")

    assert (names(everything), everything.headers["X-Total-Count"]) == (["G0", "G1", "G2", "G3", "G4"], "5")
    assert (names(active), active.headers["X-Total-Count"]) == (["G0", "G2", "G4"], "3")
    assert (names(inactive), inactive.headers["X-Total-Count"]) == (["G1", "G3"], "2")
    assert (names(page), page.headers["X-Total-Count"]) == (["G1", "G2"], "5")
    assert (names(active_page), active_page.headers["X-Total-Count"]) == (["G2"], "3")
    assert (beyond.json(), beyond.headers["X-Total-Count"]) == ([], "5")


def test_updated_since_accepts_both_datetime_forms(client):
    old, new = GiftFactory(name_ro="old"), GiftFactory(name_ro="new")
    Gift.objects.filter(pk=old.pk).update(updated_at=datetime(2025, 1, 1, 12, 0, tzinfo=UTC))
    Gift.objects.filter(pk=new.pk).update(updated_at=datetime(2025, 6, 1, 12, 0, tzinfo=UTC))

    assert names(client.get("gift/?updated_since=2025-03-01T00:00:00")) == ["new"]
    assert names(client.get("gift/?updated_since=2025-06-01T12:00:00")) == ["new"]  # inclusive
    assert names(client.get("gift/", params={"updated_since": "2025-06-01T15:00:00+03:00"})) == ["new"]
    assert names(client.get("gift/?updated_since=2025-06-01T15:00:01+03:00")) == []  # unencoded "+"
    assert names(client.get("gift/?updated_since=2024-12-31T23:00:00Z")) == ["old", "new"]


def test_a_streamed_list_is_never_older_than_its_etag(client, settings, monkeypatch):
    # given: a list long enough to stream, and a gift written just after the statement that reads the
    # stats (with the first chunk on PostgreSQL, on their own on SQLite), as a concurrent write before
    # the next chunk's query would be
    settings.GIFT_LIST_CHUNK_SIZE = 2
    for n in range(3):
        GiftFactory(name_ro=f"G{n}")
    read, read_stats = gift_wire._read_batches, gift_wire.gift_list_stats

    def stats_then_a_write(gift_filter, media_prefix, *, stats=False):
        result = read(gift_filter, media_prefix, stats=stats)  # the statement is sent here
        if stats:
            GiftFactory(name_ro="late")
        return result

    def only_stats_then_a_write(gift_filter):
        result = read_stats(gift_filter)
        GiftFactory(name_ro="late")
        return result

    monkeypatch.setattr(gift_wire, "_read_batches", stats_then_a_write)
    monkeypatch.setattr(gift_wire, "gift_list_stats", only_stats_then_a_write)

    # when
    listed = client.get("gift/")
    monkeypatch.setattr(gift_wire, "_read_batches", read)
    monkeypatch.setattr(gift_wire, "gift_list_stats", read_stats)
    again = client.get("gift/", headers={"If-None-Match": listed.headers["ETag"]})

    # then: the body has the late gift, or the ETag makes the next poll read it: both, here
    assert names(listed) == ["G0", "G1", "G2", "late"]
    assert again.status_code == 200


def test_etag_gives_304_until_anything_changes(client, partner):
    gift = GiftFactory(owner=partner)
    first = client.get("gift/")
    etag = first.headers["ETag"]

    unchanged = client.get("gift/", headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["ETag"]) == (304, b"", etag)
    assert client.get("gift/", headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304

    client.put(f"gift/{gift.pk}/", json={"description_en": "changed"})
    after_update = client.get("gift/", headers={"If-None-Match": etag})
    assert after_update.status_code == 200
    assert after_update.json()[0]["description_en"] == "changed"

    etag = after_update.headers["ETag"]
    set_gifts_active(gift_ids=[gift.pk], active=False)  # the admin action
    assert client.get("gift/", headers={"If-None-Match": etag}).status_code == 200

    etag = client.get("gift/").headers["ETag"]
    Gift.objects.filter(pk=gift.pk).delete()
    assert client.get("gift/", headers={"If-None-Match": etag}).status_code == 200


def test_etag_differs_per_filter_and_page(client):
    GiftFactory()
    GiftFactory(active=False)

    tags = {client.get(path).headers["ETag"] for path in ("gift/", "gift/?active=true", "gift/?limit=1")}

    assert len(tags) == 3


def test_large_lists_stream_the_same_json(client, settings):
    for n in range(7):
        GiftFactory(name_ro=f"G{n}")
    whole = client.get("gift/")
    settings.GIFT_LIST_CHUNK_SIZE = 2

    streamed = client.get("gift/")

    assert "Content-Length" not in streamed.headers  # streamed
    assert streamed.json() == whole.json()
    assert names(client.get("gift/?offset=2&limit=4")) == ["G2", "G3", "G4", "G5"]


def test_media_urls_our_own_map_back_to_stored_files_and_foreign_ones_are_kept(client, partner, live_server):
    gift = GiftFactory(owner=partner, icon_ro="gift_images/old.png", image_en="gift_images/old-big.png")
    ours = f"{live_server.url}/media/gift_images/5bfe78b6.png"
    theirs = "https://cdn.partner.example/img/1.png?v=2"

    response = client.put(
        f"gift/{gift.pk}/",
        json={
            "icon_ro": ours,
            "icon_ru": theirs,
            "image_en": "",
            "image_ro": None,
            "image_uk": "HTTP://CDN.example/A.png",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["icon_ro"], body["icon_ru"], body["image_en"], body["image_ro"]) == (
        ours,
        theirs,
        None,
        None,
    )
    assert body["image_uk"] == "http://CDN.example/A.png"
    gift.refresh_from_db()
    assert gift.icon_ro.name == "gift_images/5bfe78b6.png"
    assert gift.icon_ru.name == theirs
    assert not gift.image_en


def test_own_media_urls_must_name_a_plain_file(client, partner, live_server):
    gift = GiftFactory(owner=partner)

    response = client.put(f"gift/{gift.pk}/", json={"icon_ro": f"{live_server.url}/media/../settings.py"})

    assert response.status_code == 400
    assert response.json() == {"icon_ro": ["Not a valid media file URL."]}


def test_public_base_url_is_used_for_media_urls(client, settings):
    settings.PUBLIC_BASE_URL = "https://office.example.com"
    GiftFactory(icon_ro="gift_images/a.png")

    assert client.get("gift/").json()[0]["icon_ro"] == "https://office.example.com/media/gift_images/a.png"


def test_datetimes_are_in_time_zone_on_the_wire(client, partner, settings):
    # given the site runs in Chisinau time (UTC+3 in August)
    settings.TIME_ZONE = "Europe/Chisinau"

    # when a naive time and an offset time come in
    created = client.post(
        "gift/bulk-create/",
        json=[
            {"name_ro": "T", "start_time": "2025-08-25T09:50:00", "removal_time": "2025-08-30T10:50:00+00:00"}
        ],
    )

    # then the naive one is local time, the offset one is converted, both answered in local time
    assert created.status_code == 201
    gift = Gift.objects.get()
    assert gift.start_time == datetime(2025, 8, 25, 6, 50, tzinfo=UTC)
    assert gift.removal_time == datetime(2025, 8, 30, 10, 50, tzinfo=UTC)
    listed = client.get("gift/").json()[0]
    assert (listed["start_time"], listed["removal_time"]) == ("2025-08-25T09:50:00", "2025-08-30T13:50:00")
    assert created.json()[0]["start_time"] == "2025-08-25T09:50:00"


def test_seconds_are_the_precision_on_the_wire(client, partner):
    start = timezone.now().replace(microsecond=123456)
    gift = GiftFactory(owner=partner, start_time=start, removal_time=start + timedelta(days=1))

    listed = client.get("gift/").json()[0]

    assert listed["start_time"] == timezone.localtime(gift.start_time).strftime("%Y-%m-%dT%H:%M:%S")
    accepted = client.put(f"gift/{gift.pk}/", json={"start_time": "2025-08-25T09:50:00.999+02:00"})
    assert accepted.json()["start_time"] == "2025-08-25T07:50:00"


def test_empty_texts_are_null_on_the_wire(client):
    GiftFactory(name_ru="", description_en="", link_uk="")

    gift = client.get("gift/").json()[0]

    assert (gift["name_ru"], gift["description_en"], gift["link_uk"]) == (None, None, None)
