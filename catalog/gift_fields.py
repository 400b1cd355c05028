"""The partner wire format's fields (gift-with-product.md): one definition for the API's reads, its
input parsing and writes, its schema, the push to partner sites and the demo."""

from __future__ import annotations

import orjson
from django.conf import settings
from django.utils import timezone

from catalog.models import Gift

LANGUAGES: tuple[str, ...] = tuple(settings.LANGUAGE_CODES)
DEFAULT_LANGUAGE: str = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
TRANSLATED_FIELDS: tuple[str, ...] = ("icon", "image", "name", "link", "description")  # wire order
MEDIA_FIELDS: tuple[str, ...] = ("icon", "image")
# The spec's exact key order.
WIRE_KEYS: tuple[str, ...] = (
    "id",
    *(f"{field}_{lang}" for field in TRANSLATED_FIELDS for lang in LANGUAGES),
    "start_time",
    "removal_time",
    "active",
)
WRITABLE_KEYS: tuple[str, ...] = WIRE_KEYS[1:]
DEFAULT_NAME_KEY = f"name_{DEFAULT_LANGUAGE}"
# Text limits on the wire are the columns' own.
NAME_MAX_LENGTH: int = Gift._meta.get_field("name").max_length
LINK_MAX_LENGTH: int = Gift._meta.get_field("link").max_length
MEDIA_MAX_LENGTH: int = Gift._meta.get_field("icon").max_length
DESCRIPTION_MAX_LENGTH: int = Gift._meta.get_field("description").max_length
REQUIRED_ON_CREATE: tuple[str, ...] = (DEFAULT_NAME_KEY, "start_time", "removal_time")
# orjson writes a naive datetime as 2025-08-25T09:50:00, exactly the spec's form.
ORJSON_OPTIONS = orjson.OPT_OMIT_MICROSECONDS

_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"})
ID_CHUNK = 900  # ids per IN (...) query: below SQLite's historic 999-parameter limit


MAX_ID = 2**63 - 1  # the largest id our databases store: a larger one names no gift (and overflows SQL)


def tz_is_utc() -> bool:
    """TIME_ZONE is UTC: SQLite's stored text is then the wire text, and parsing skips a conversion."""
    return getattr(timezone.get_default_timezone(), "key", None) in _UTC_KEYS


def db_column(name: str) -> str:
    """The database column of a Gift field (per-language ones included)."""
    return Gift._meta.get_field(name).column
