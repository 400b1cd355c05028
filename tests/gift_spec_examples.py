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
