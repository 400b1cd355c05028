"""The hot paths' shortcuts give exactly what the plain paths give: same JSON bytes, same validation
results, same ETags, and a constant number of queries."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Gift
from catalog.selectors import GiftListFilter, gift_wire
from catalog.services import gift_input
from catalog.validators import MULTILINE_CONTROL_RE, SINGLE_LINE_CONTROL_RE

from .factories import GiftFactory, PartnerFactory, issue_key

PREFIX = "https://office.example.com/media/"
TRICKY_TEXTS = [
    'quote " and backslash \\',
    "controls \x01\x08\x09\x0a\x0c\x0d\x1f and del \x7f",
    "română ț ș, русский, українська ї, emoji 😀",
    "separators \u2028\u2029 and </script>",
    "",
    "  padded  ",
]


def _tricky_gifts() -> list[Gift]:
    gifts = []
    for n, text in enumerate(TRICKY_TEXTS):
        gifts.append(
            GiftFactory(
                name_ro=f"Cadou {n}",
                name_ru=text,
                description_en=text,
                link_uk="" if n % 2 else f"https://example.com/{n}?q={text[:3]}",
                icon_ro=f"gift_images/{n}.png" if n % 3 else "",
                image_en="https://cdn.example.com/a.png" if n % 2 else "HTTP://CDN.example.com/B.png",
                start_time=datetime(2025, 8, 25, 9, 50, 7, 123456 * (n % 2), tzinfo=UTC),
                removal_time=datetime(2026, 1, n + 1, 0, 0, tzinfo=UTC),
                active=n % 2 == 0,
            )
        )
    return gifts


@pytest.mark.django_db
def test_every_serializer_writes_the_same_json_bytes_as_orjson_over_gift_payloads():
    # given gifts with quotes, control characters, non-ASCII text, empty strings and microseconds
    gifts = _tricky_gifts()
    expected = orjson.dumps(gift_wire.gift_payloads(Gift.objects.all(), media_prefix=PREFIX))
    reversed_ids = [gift.pk for gift in reversed(gifts)]

    # when each path serializes them (on SQLite the database writes the JSON itself)
    whole = gift_wire.wire_json(GiftListFilter(), media_prefix=PREFIX)
    streamed = b"".join(gift_wire.iter_wire_json(GiftListFilter(), media_prefix=PREFIX, chunk_size=4))
    page = gift_wire.gift_list_page(GiftListFilter(), media_prefix=PREFIX)
    in_order = gift_wire.wire_json_of(reversed_ids, media_prefix=PREFIX)

    # then all of them are byte for byte what orjson makes of the payload dicts
    if connection.vendor == "sqlite":
        assert gift_wire._wire_select(connection).json is not None  # the database writes the JSON
    assert whole == expected
    assert streamed == expected
    assert page.body == expected
    assert orjson.loads(in_order) == list(reversed(orjson.loads(expected)))
    assert in_order == orjson.dumps(list(reversed(orjson.loads(expected))))


@pytest.mark.parametrize(
    "value",
    [
        "Cadou",
        "  Cadou  ",
        "",
        "   ",
        "x" * 255,
        " " + "x" * 255 + " ",
        "x" * 256,
        "null \x00 char",
        "https://example.com/a",
        " https://example.com/a ",
        "HTTPS://Example.com",
        "https://exa mple.com",
        "ftp://example.com",
        "https://" + "a" * 1000,
        "ü\u00a0",
        None,
        5,
        True,
        ["x"],
    ],
)
@pytest.mark.parametrize("key", ["name_ro", "name_en", "description_uk", "link_ru"])
def test_the_inline_text_check_agrees_with_the_field_cleaner(key, value):
    cleaners = gift_input.request_cleaners(gift_input.OwnMedia(PREFIX))
    try:
        expected = ({key: cleaners[key](value)}, {})
    except ValueError as exc:
        expected = ({}, {key: [str(exc)]})

    assert gift_input.clean_fields({key: value}, cleaners) == expected


@pytest.mark.parametrize(
    ("spec_form", "other_form"),
    [
        ("2025-08-25T09:50:00", "2025-08-25 09:50:00"),
        ("2025-02-30T09:50:00", "2025-02-30 09:50:00"),  # no such day
        ("2025-08-25T24:00:00", "2025-08-25 24:00:00"),  # no such hour
        ("0001-01-01T00:00:00", "0001-01-01 00:00:00"),  # out of the accepted years
    ],
)
@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Chisinau"])
def test_the_spec_form_fast_path_agrees_with_the_general_parser(settings, time_zone, spec_form, other_form):
    # given: the spec's own form takes a fast path; the same instant written with a space takes the other
    settings.TIME_ZONE = time_zone
    results = []
    for value in (spec_form, other_form):
        try:
            results.append(gift_input.parse_wire_datetime(value))
        except ValueError as exc:
            results.append(str(exc).replace(repr(value), "<value>"))

    # then
    assert results[0] == results[1]
    if isinstance(results[0], datetime):
        assert results[0].tzinfo is UTC


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?active=true", "?updated_since=2000-01-01T00:00:00"])
@pytest.mark.parametrize("chunk_size", [2000, 2])
def test_a_plain_list_and_a_conditional_one_agree_on_the_etag(client, settings, query, chunk_size):
    # given a few gifts, and lists short enough for one piece or long enough to stream
    settings.GIFT_LIST_CHUNK_SIZE = chunk_size
    for n in range(5):
        GiftFactory(active=n % 2 == 0)
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {issue_key(partner=PartnerFactory())}"}

    # when the list is read plainly (ETag taken from its own rows), then conditionally (stats first)
    plain = client.get(f"/external/gift/{query}", **auth)
    conditional = client.get(f"/external/gift/{query}", HTTP_IF_NONE_MATCH=plain["ETag"], **auth)

    # then the plain answer's ETag is the one the stats give: 304
    assert plain.status_code == 200
    assert conditional.status_code == 304
    assert conditional["ETag"] == plain["ETag"]
    assert conditional["X-Total-Count"] == plain["X-Total-Count"] == str(len(orjson.loads(b"".join(plain))))


@pytest.mark.perf
@pytest.mark.django_db
def test_the_list_reads_in_a_constant_number_of_queries_and_bulk_writes_too(client):
    """Statement counts (perf: pins how the fast paths read and write, may be re-baselined with them)."""
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {issue_key(partner=PartnerFactory())}"}
    client.get("/external/gift/", **auth)  # the key's first use is recorded once
    # and its first write of the window starts the write counter's window (which purges ended ones)
    client.post("/external/gift/bulk-create/", [], content_type="application/json", **auth)
    counts = {}
    for size in (3, 30):
        items = [
            {"name_ro": f"G{n}", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}
            for n in range(size)
        ]
        with CaptureQueriesContext(connection) as created:
            response = client.post(
                "/external/gift/bulk-create/", items, content_type="application/json", **auth
            )
        ids = [gift["id"] for gift in response.json()]
        updates = [{"id": gift_id, "active": False} for gift_id in reversed(ids)]
        with CaptureQueriesContext(connection) as updated:
            response = client.put(
                "/external/gift/bulk-update/", updates, content_type="application/json", **auth
            )
        assert [gift["id"] for gift in response.json()] == list(reversed(ids))
        with CaptureQueriesContext(connection) as listed:
            assert client.get("/external/gift/", **auth).status_code == 200
        counts[size] = (len(created), len(updated), len(listed))

    assert counts[3] == counts[30]
    # The address's failed authentications, the key, its rate counter, then the gifts with what the ETag
    # needs in the same statement (PostgreSQL: a statement is a round trip), or the ETag's stats first,
    # then the gifts (SQLite: _WireSelect.inline_stats).
    assert counts[3][2] == (4 if connection.vendor == "postgresql" else 5)


@pytest.mark.django_db
def test_the_database_written_json_is_the_plain_paths_json(settings):
    # given gifts with quotes, control characters, non-ASCII text, empty strings and microseconds
    _tricky_gifts()

    # when the list is written by the fast path (the database writes the JSON), then by the plain one
    fast = gift_wire.wire_json(GiftListFilter(), media_prefix=PREFIX)
    settings.GIFT_FAST_PATHS = False
    plain = gift_wire.wire_json(GiftListFilter(), media_prefix=PREFIX)

    # then
    assert gift_wire._wire_select(connection).json is None  # the plain path: Python dicts + orjson
    assert fast == plain


@pytest.mark.django_db
def test_the_fast_insert_stores_what_the_plain_orm_insert_stores(settings):
    # given items with every kind of value (empty, non-ASCII, absolute media URL, microseconds)
    from catalog.services.gifts import bulk_create_gifts

    owner = PartnerFactory()
    items = [
        {
            "name_ro": f"Cadou {n}",
            # The API refuses control characters (names: all; descriptions: all but tab and line breaks),
            # so those become "?" here; the read side still serves stored ones (_tricky_gifts).
            "name_ru": SINGLE_LINE_CONTROL_RE.sub("?", text) or None,
            "description_en": MULTILINE_CONTROL_RE.sub("?", text),
            "link_uk": f"https://example.com/{n}",
            "image_en": "https://cdn.example.com/a.png",
            "start_time": "2025-08-25T09:50:07.123456",
            "removal_time": "2026-01-01T00:00:00",
            "active": n % 2 == 0,
        }
        for n, text in enumerate(TRICKY_TEXTS)
    ]

    # when they are inserted by the fast path, then by the plain ORM
    fast_ids = bulk_create_gifts(items=items, owner=owner, media_prefix=PREFIX)
    settings.GIFT_FAST_PATHS = False
    plain_ids = bulk_create_gifts(items=items, owner=owner, media_prefix=PREFIX)

    # then every stored column is the same (the ORM stores an empty image as "" where the fast path
    # leaves NULL; both are served as null)
    columns = [
        f.attname for f in Gift._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")
    ]
    media = {c for c in columns if c.startswith(("icon", "image"))}

    def stored(pk):
        gift = Gift.objects.values_list(*columns).get(pk=pk)
        return [
            (str(value) if value else "") if column in media else value
            for column, value in zip(columns, gift, strict=True)
        ]

    assert len(fast_ids) == len(plain_ids) == len(items)
    assert [stored(pk) for pk in fast_ids] == [stored(pk) for pk in plain_ids]
    wire = gift_wire.gift_payloads(fast_ids + plain_ids, media_prefix=PREFIX)
    assert [{**g, "id": 0} for g in wire[: len(items)]] == [{**g, "id": 0} for g in wire[len(items) :]]


@pytest.mark.django_db
def test_the_fast_update_stores_what_the_plain_orm_update_stores(settings):
    # given two identical sets of gifts, and updates sending different columns per row
    from catalog.services.gifts import bulk_create_gifts, bulk_update_gifts

    owner = PartnerFactory()
    created = [
        {"name_ro": f"Cadou {n}", "start_time": "2025-08-25T09:50:00", "removal_time": "2026-01-01T00:00:00"}
        for n in range(len(TRICKY_TEXTS))
    ]
    fast_ids = bulk_create_gifts(items=created, owner=owner, media_prefix=PREFIX)
    plain_ids = bulk_create_gifts(items=created, owner=owner, media_prefix=PREFIX)

    def changes(ids):
        return [
            {"id": gift_id, "name_ro": f"Nou {n}", "description_en": MULTILINE_CONTROL_RE.sub("?", text)}
            if n % 2
            else {
                "id": gift_id,
                "name_ru": SINGLE_LINE_CONTROL_RE.sub("?", text) or None,
                "active": False,
                "start_time": "2025-09-01T10:00:00.123456",
            }
            for n, (gift_id, text) in enumerate(zip(ids, TRICKY_TEXTS, strict=True))
        ]

    # when one set is updated by the fast path, the other by the plain ORM
    bulk_update_gifts(items=changes(fast_ids), acting_partner=owner, media_prefix=PREFIX)
    settings.GIFT_FAST_PATHS = False
    bulk_update_gifts(items=changes(plain_ids), acting_partner=owner, media_prefix=PREFIX)

    # then every stored column but the ids and timestamps is the same
    columns = [
        f.attname for f in Gift._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")
    ]
    fast = list(Gift.objects.filter(pk__in=fast_ids).order_by("pk").values_list(*columns))
    plain = list(Gift.objects.filter(pk__in=plain_ids).order_by("pk").values_list(*columns))
    assert len(fast) == len(TRICKY_TEXTS)
    assert fast == plain


def _key_state(api_key) -> tuple:
    if api_key is None:
        return (None,)
    return (
        api_key.pk,
        api_key.partner_id,
        api_key.name,
        api_key.prefix,
        api_key.key_hash,
        api_key.can_write,
        api_key.revoked_at,
        api_key.last_used_at,
        api_key.created_at,  # not read by the fast path: deferred, loaded on first use
        api_key.partner.name,
        api_key.partner.created_at,
        api_key._state.adding,
        api_key._state.db,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("used", [False, True])
def test_the_fast_key_lookup_gives_the_key_the_plain_orm_lookup_gives(settings, monkeypatch, used):
    from django.utils import timezone

    from catalog.models import PartnerApiKey
    from catalog.services.api_keys import authenticate_api_key, revoke_api_key

    plain_key = issue_key(can_write=True)
    revoked_key = issue_key()
    revoke_api_key(api_key=PartnerApiKey.objects.order_by("-pk").first())
    if used:
        PartnerApiKey.objects.filter(revoked_at=None).update(last_used_at=timezone.now())
    now = timezone.now()  # an unused key's use is due: both paths note the same "now" on it
    monkeypatch.setattr("catalog.services.api_keys.timezone.now", lambda: now)

    fast = [authenticate_api_key(plain_key=k, defer_touch=True) for k in (plain_key, revoked_key, "gk_x_y")]
    settings.GIFT_FAST_PATHS = False
    plain = [authenticate_api_key(plain_key=k, defer_touch=True) for k in (plain_key, revoked_key, "gk_x_y")]

    assert [_key_state(k) for k in fast] == [_key_state(k) for k in plain]
    assert fast[0] is not None
    assert fast[1:] == [None, None]
