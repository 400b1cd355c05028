"""The partner wire format, input side: every item checked field by field in Python before anything is
written, with the API's messages; errors are collected per field and per item."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from catalog.gift_fields import (
    DEFAULT_NAME_KEY,
    DESCRIPTION_MAX_LENGTH,
    LANGUAGES,
    LINK_MAX_LENGTH,
    MEDIA_FIELDS,
    MEDIA_MAX_LENGTH,
    NAME_MAX_LENGTH,
    REQUIRED_ON_CREATE,
    tz_is_utc,
)
from catalog.validators import (
    MULTILINE_CONTROL_RE,
    SINGLE_LINE_CONTROL_RE,
    control_character_problem,
    link_problem,
)


class GiftRequestError(Exception):
    """The request as a whole is unusable (not an array, too many items); `detail` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class GiftValidationError(Exception):
    """Invalid input; nothing was written. `errors` is {field: [messages]} for one gift, or a list of
    such dicts aligned with the input for bulk requests ({} for a valid item)."""

    def __init__(self, errors: dict[str, list[str]] | list[dict[str, list[str]]]) -> None:
        super().__init__("invalid gift data")
        self.errors = errors


class GiftNotFoundError(Exception):
    """No such gift (the API answers 404)."""


class GiftForbiddenError(Exception):
    """The gift exists (every key may read it) but the caller may not change it; `detail` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?\Z", re.ASCII
)
# Absolute http(s) URL: a host (name, IPv4 or [IPv6]), optional port, no whitespace anywhere.
_URL_RE = re.compile(
    r"(?i:https?)://(?:[^\s/?#@]+@)?(?:[A-Za-z0-9](?:[A-Za-z0-9\-.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
    r"(?::\d{1,5})?(?:[/?#]\S*)?\Z",
    re.ASCII,
)
_SAFE_MEDIA_NAME_RE = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_\-./]*\Z", re.ASCII)

DATETIME_HELP = "Expected a date and time like 2025-08-25T09:50:00 (TIME_ZONE) or 2025-08-25T09:50:00+03:00."


_PLAIN_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\Z", re.ASCII)


# Years a gift can sensibly have. Without a bound, year 1 or 9999 is stored and then overflows when it is
# shown in another time zone (a 500 on every later list, and in the admin).
MIN_YEAR, MAX_YEAR = 1900, 9000
YEAR_HELP = gettext_noop("The year must be between 1900 and 9000.")  # MIN_YEAR, MAX_YEAR
assert f"The year must be between {MIN_YEAR} and {MAX_YEAR}." == YEAR_HELP


def parse_wire_datetime(value: object) -> datetime:
    """Wire datetime -> aware UTC datetime, whole seconds. Naive values are in TIME_ZONE."""
    try:
        if type(value) is str and len(value) == 19 and _PLAIN_DATETIME_RE.match(value):  # the spec's form
            if tz_is_utc():
                parsed = datetime.fromisoformat(value + "+00:00")  # aware in one step: replace() is slow
            else:
                parsed = datetime.fromisoformat(value)
                parsed = parsed.replace(tzinfo=timezone.get_default_timezone()).astimezone(UTC)
        else:
            if not isinstance(value, str) or not _DATETIME_RE.match(value):
                raise ValueError(DATETIME_HELP)
            parsed = datetime.fromisoformat(value.replace(",", "."))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.get_default_timezone())
            parsed = parsed.astimezone(UTC).replace(microsecond=0)
    except OverflowError:
        raise ValueError(YEAR_HELP) from None
    except ValueError as exc:
        if exc.args and exc.args[0] == DATETIME_HELP:
            raise
        raise ValueError(f"Not a valid date and time: {value!r}.") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(YEAR_HELP)
    return parsed


def _clean_text(value: object, max_length: int | None, *, multiline: bool = False) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("Expected a string or null.")
    value = value.strip()
    if problem := control_character_problem(value, multiline=multiline):
        raise ValueError(problem)
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"Ensure this field has no more than {max_length} characters.")
    return value or None


def _clean_link(value: object) -> str | None:
    text = _clean_text(value, LINK_MAX_LENGTH)
    if text is not None:
        if not _URL_RE.match(text):
            raise ValueError(gettext_noop("Expected an absolute http(s) URL or null."))
        if problem := link_problem(text):
            raise ValueError(problem)
    return text


class OwnMedia:
    """Recognizes absolute URLs of our own media and maps them back to the stored file name."""

    def __init__(self, media_prefix: str) -> None:
        prefixes = [media_prefix]
        if settings.PUBLIC_BASE_URL:
            prefixes.append(settings.PUBLIC_BASE_URL + settings.MEDIA_URL)
        self.locations = set()
        for prefix in prefixes:
            parts = urlsplit(prefix)
            self.locations.add(
                (parts.netloc.lower(), parts.path if parts.path.endswith("/") else parts.path + "/")
            )

    def clean(self, value: object) -> str | None:
        text = _clean_text(value, MEDIA_MAX_LENGTH)
        if text is None:
            return None
        if not _URL_RE.match(text):
            raise ValueError('Expected an absolute http(s) URL, or null/"" to clear.')
        parts = urlsplit(text)
        for netloc, path in self.locations:
            if parts.netloc.lower() == netloc and parts.path.startswith(path) and not parts.query:
                name = unquote(parts.path[len(path) :])
                if not _SAFE_MEDIA_NAME_RE.match(name) or ".." in name.split("/"):
                    raise ValueError("Not a valid media file URL.")
                return name
        # Someone else's image: stored and served as is (scheme lower-cased so it is recognized as absolute),
        # under the same rules as links since partners' users load it too.
        if problem := link_problem(text):
            raise ValueError(problem)
        return parts.scheme.lower() + text[len(parts.scheme) :]


def _clean_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Must be a valid boolean (true or false).")
    return value


def _clean_name(value: object) -> str | None:
    return _clean_text(value, NAME_MAX_LENGTH)


def _clean_default_name(value: object) -> str:
    text = _clean_text(value, NAME_MAX_LENGTH)
    if text is None:
        raise ValueError(gettext_noop("This field may not be null or blank."))
    return text


def _clean_description(value: object) -> str | None:
    return _clean_text(value, DESCRIPTION_MAX_LENGTH, multiline=True)


def _field_cleaners() -> dict[str, Callable[[object], Any]]:
    """key -> parser of its wire value (datetime and media keys are bound per request: they depend on
    TIME_ZONE and on our host)."""
    cleaners: dict[str, Callable[[object], Any]] = {}
    for lang in LANGUAGES:
        cleaners[f"name_{lang}"] = _clean_name
        cleaners[f"link_{lang}"] = _clean_link
        cleaners[f"description_{lang}"] = _clean_description
    cleaners[DEFAULT_NAME_KEY] = _clean_default_name
    cleaners["active"] = _clean_bool
    return cleaners


_CLEANERS = _field_cleaners()
_MEDIA_KEYS = tuple(f"{field}_{lang}" for field in MEDIA_FIELDS for lang in LANGUAGES)


def request_cleaners(own_media: OwnMedia) -> dict[str, Callable[[object], Any]]:
    return {
        **_CLEANERS,
        **dict.fromkeys(_MEDIA_KEYS, own_media.clean),
        "start_time": parse_wire_datetime,
        "removal_time": parse_wire_datetime,
    }


# A link whose host is a name ending in a letter label (so not an IP address nor a number) other than
# localhost, with no user info: what link_problem() always accepts (control characters aside).
_PLAIN_PUBLIC_LINK_RE = re.compile(
    r"(?i:https?)://(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+(?!localhost\.?(?:[:/?#]|\Z))"
    r"[A-Za-z](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.?(?::\d{1,5})?(?:[/?#]\S*)?\Z",
    re.ASCII,
)


def _text_specs() -> dict[str, tuple[int, bool, Any, Any]]:
    """key -> (max length, must not be blank, link matcher or None, control character search) of the
    plain text fields, for the fast path of clean_fields: a str it accepts is exactly one the field's
    cleaner returns unchanged (or as None)."""
    specs: dict[str, tuple[int, bool, Any, Any]] = {}
    single, multi = SINGLE_LINE_CONTROL_RE.search, MULTILINE_CONTROL_RE.search
    for lang in LANGUAGES:
        specs[f"name_{lang}"] = (NAME_MAX_LENGTH, False, None, single)
        specs[f"link_{lang}"] = (LINK_MAX_LENGTH, False, _PLAIN_PUBLIC_LINK_RE.match, single)
        specs[f"description_{lang}"] = (DESCRIPTION_MAX_LENGTH, False, None, multi)
    specs[DEFAULT_NAME_KEY] = (NAME_MAX_LENGTH, True, None, single)
    return specs


_TEXT_SPECS = _text_specs()


def clean_fields(
    raw: dict[str, Any], cleaners: dict[str, Callable[[object], Any]]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Per-field parsing of one item (no cross-field rules). Unknown keys are errors; "id" is left out."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    get, text_spec = cleaners.get, _TEXT_SPECS.get
    for key, value in raw.items():
        if type(value) is str and (spec := text_spec(key)) is not None:
            # Inline the common case (no call per field); anything else goes to the cleaner, which
            # returns the same value or raises the error.
            text = value.strip()
            max_length, required, link_match, control = spec
            if (
                len(text) <= max_length
                and control(text) is None
                and (text or not required)
                and (link_match is None or not text or link_match(text))
            ):
                values[key] = text or None
                continue
        cleaner = get(key)
        if cleaner is None:
            if key != "id":
                errors[key] = ["Unknown field."]
            continue
        try:
            values[key] = cleaner(value)
        except ValueError as exc:
            errors[key] = [str(exc)]
    return values, errors


AFTER_START = gettext_noop("Must be after start_time.")
BEFORE_REMOVAL = gettext_noop("Must be before removal_time.")


def time_window_errors(values: dict[str, Any], start: datetime | None, removal: datetime | None) -> dict:
    """removal_time must be after start_time (merged state); the error goes on a field the caller sent."""
    if start is None or removal is None or removal > start:
        return {}
    if "removal_time" in values or "start_time" not in values:
        return {"removal_time": [AFTER_START]}
    return {"start_time": [BEFORE_REMOVAL]}


def clean_wire_item(
    *, item: dict[str, Any], media_prefix: str, for_create: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One wire item parsed by the API's own input rules, for code outside the API (a partner pull).

    Returns (values, {key: [messages]}): per-field parsing, the required keys when creating, and
    removal_time after start_time when the item carries both. "id" is ignored.
    """
    values, errors = clean_fields(item, request_cleaners(OwnMedia(media_prefix)))
    if for_create:
        for key in REQUIRED_ON_CREATE:
            if key not in item:
                errors[key] = ["This field is required."]
    if not errors:
        errors = time_window_errors(values, values.get("start_time"), values.get("removal_time"))
    return values, errors


def check_items(items: object) -> list[Any]:
    if not isinstance(items, list):
        raise GiftRequestError("Expected a JSON array of gift objects.")
    limit = settings.GIFT_BULK_MAX_ITEMS
    if len(items) > limit:
        raise GiftRequestError(f"Too many items: {len(items)}; at most {limit} gifts per request.")
    return items


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def stored_gift_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """The API's rules applied to a gift as stored (`name_ro`, `link_en`, ... as text, the times as
    datetimes): {field: [messages]}, {} for a valid gift. One set of rules for every writer and reader:
    the admin form runs it before saving, the push plan before sending, the admin lists rows breaking it.
    Icon and image are files here, not wire URLs: only their names' length is the column's business."""
    errors: dict[str, list[str]] = {}
    for key, cleaner in _CLEANERS.items():
        if key in values and key != "active":
            try:
                cleaner(values[key] if values[key] != "" else None)
            except ValueError as exc:
                errors[key] = [str(exc)]
    start, removal = values.get("start_time"), values.get("removal_time")
    for key, value in (("start_time", start), ("removal_time", removal)):
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            errors[key] = [YEAR_HELP]
    if not errors:
        errors = time_window_errors({"removal_time": removal}, start, removal)
    return errors


def gift_errors(gift: Any) -> dict[str, list[str]]:
    """stored_gift_errors() of a Gift instance."""
    keys = [*_CLEANERS, "start_time", "removal_time"]
    return stored_gift_errors({key: getattr(gift, key) for key in keys if key != "active"})
