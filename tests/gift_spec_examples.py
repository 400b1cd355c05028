"""The example bodies of `gift-with-product.md`, written once for every test that replays them."""

ICON = "gift_images/b88e0864-3e94-405c-b23f-5481f009152d.png"
IMAGE = "gift_images/52f85402-231b-40ec-b520-a9d5384a3503.png"


def example_gift(domain: str) -> dict:
    """The spec's "Example answer" of GET /external/gift/1/, with {domain} filled in."""
    return {
        "id": 1,
        "icon_ro": f"http://{domain}/media/{ICON}",
        "icon_ru": None,
        "icon_en": None,
        "icon_uk": None,
        "image_ro": f"http://{domain}/media/{IMAGE}",
        "image_ru": None,
        "image_en": None,
        "image_uk": None,
        "name_ro": "Cadou test",
        "name_ru": "Test gift",
        "name_en": "Test gift",
        "name_uk": "Test gift",
        "link_ro": "https://www.google.com/",
        "link_ru": "https://www.google.com/",
        "link_en": "https://www.google.com/",
        "link_uk": "https://www.google.com/",
        "description_ro": "Descriere test",
        "description_ru": "Test description",
        "description_en": "Test description",
        "description_uk": "Test description",
        "start_time": "2025-08-25T09:50:00",
        "removal_time": "2025-08-30T10:50:00",
        "active": True,
    }


def example_texts() -> dict:
    """The translated names, links and descriptions of the example gift, as model fields."""
    gift = example_gift("unused")
    return {key: value for key, value in gift.items() if key.startswith(("name_", "link_", "description_"))}


def example_3_update() -> dict:
    """The spec's "Update one gift" request body."""
    return {
        "name_ro": "Cadou actualizat",
        "description_ro": "Descriere actualizată",
        "start_time": "2025-08-26T10:00:00",
        "removal_time": "2025-09-01T18:00:00",
        "active": False,
    }


def example_4_bulk_create() -> list[dict]:
    """The spec's "Create multiple gifts" request body."""
    return [
        {
            "name_ro": "Cadou nou 1",
            "description_ro": "Descriere cadou nou 1",
            "start_time": "2025-08-27T10:00:00",
            "removal_time": "2025-09-02T18:00:00",
            "active": True,
        },
        {
            "name_ro": "Cadou nou 2",
            "description_ro": "Descriere cadou nou 2",
            "start_time": "2025-08-28T09:30:00",
            "removal_time": "2025-09-03T19:00:00",
            "active": True,
        },
    ]


def example_5_bulk_update(first_id: int = 1, second_id: int = 2) -> list[dict]:
    """The spec's "Update multiple gifts" request body, for the given ids (the spec's are 1 and 2)."""
    return [
        {
            "id": first_id,
            "active": False,
            "start_time": "2025-08-25T11:00:00",
            "removal_time": "2025-09-01T20:00:00",
        },
        {
            "id": second_id,
            "active": True,
            "start_time": "2025-08-28T08:00:00",
            "removal_time": "2025-09-04T21:00:00",
        },
    ]
