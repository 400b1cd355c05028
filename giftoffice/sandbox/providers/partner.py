"""Sandbox of a remote partner site serving the "Gift with product" API (gift-with-product.md).

Mounted at /sandbox/partner/, so the site's `{domain}` is `<sandbox>/partner` and its endpoints are
`{domain}/external/gift/...`. It answers like the document's examples: GET returns full gifts, PUT and
the bulk calls echo only the sent fields plus `id`. Validation errors follow the usual Django REST
framework shapes a real site built on it answers with: `{"field": ["message"]}` per item, and for a
bulk call a list aligned with the input (`{}` for the valid items), with nothing written.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from giftoffice.sandbox.faults import sandbox_view
from giftoffice.sandbox.models import PartnerRemoteGift

LANGS = ("ro", "ru", "en", "uk")
TEXT_FIELDS = tuple(
    f"{field}_{lang}" for field in ("icon", "image", "name", "link", "description") for lang in LANGS
)
URL_FIELDS = frozenset(f for f in TEXT_FIELDS if f.startswith(("icon_", "image_", "link_")))
FIELDS = (*TEXT_FIELDS, "start_time", "removal_time", "active")
REQUIRED_ON_CREATE = ("name_ro", "start_time", "removal_time")
MAX_LENGTH = {f: (255 if f.startswith("name_") else 1000) for f in TEXT_FIELDS if not f.startswith("descr")}
WIRE_DATETIME = "%Y-%m-%dT%H:%M:%S"
DATETIME_ERROR = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
TRUE_VALUES = {True, "true", "True", "TRUE", "1"}  # True == 1, so 1 is in too
FALSE_VALUES = {False, "false", "False", "FALSE", "0"}
_url_validator = URLValidator(schemes=["http", "https"])

Errors = dict[str, list[str]]


# --- helpers -------------------------------------------------------------------------------------------
def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _authenticate(request: HttpRequest) -> JsonResponse | None:
    header = settings.SANDBOX_PARTNER_AUTH_HEADER
    sent = request.headers.get(header)
    if not sent:
        return _json({"detail": "Authentication credentials were not provided."}, 401)
    if not hmac.compare_digest(sent.encode(), settings.SANDBOX_PARTNER_SECRET.encode()):
        return _json({"detail": "Invalid API key."}, 401)
    return None


def _body(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    try:
        return orjson.loads(request.body or b"null"), None
    except orjson.JSONDecodeError as exc:
        return None, _json({"detail": f"JSON parse error - {exc}"}, 400)


def _render_datetime(value: datetime) -> str:
    return timezone.localtime(value).strftime(WIRE_DATETIME)


def _value(gift: PartnerRemoteGift, field: str) -> Any:
    value = getattr(gift, field)
    return _render_datetime(value) if isinstance(value, datetime) else value


def _full(gift: PartnerRemoteGift) -> dict[str, Any]:
    return {"id": gift.pk, **{field: _value(gift, field) for field in FIELDS}}


def _echo(gift: PartnerRemoteGift, sent: dict[str, Any]) -> dict[str, Any]:
    """The document's write answers: `id` plus the fields that were sent, as stored."""
    return {"id": gift.pk, **{field: _value(gift, field) for field in FIELDS if field in sent}}


def _clean_field(field: str, value: Any, errors: Errors) -> Any:
    if field in ("start_time", "removal_time"):
        if value is None:
            errors[field] = ["This field may not be null."]
            return None
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            errors[field] = [DATETIME_ERROR]
            return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed
    if field == "active":
        if isinstance(value, bool | int | str) and value in TRUE_VALUES:
            return True
        if isinstance(value, bool | int | str) and value in FALSE_VALUES:
            return False
        errors[field] = ["Must be a valid boolean."]
        return None
    # Text fields.
    if value is None:
        if field == "name_ro":
            errors[field] = ["This field may not be null."]
        return None
    if not isinstance(value, str):
        errors[field] = ["Not a valid string."]
        return None
    value = value.strip()
    if field == "name_ro" and not value:
        errors[field] = ["This field may not be blank."]
        return None
    limit = MAX_LENGTH.get(field)
    if limit and len(value) > limit:
        errors[field] = [f"Ensure this field has no more than {limit} characters."]
        return None
    if field in URL_FIELDS and value:
        try:
            _url_validator(value)
        except ValidationError:
            errors[field] = ["Enter a valid URL."]
            return None
    return value


def _clean_item(item: Any, *, instance: PartnerRemoteGift | None) -> tuple[dict[str, Any], Errors]:
    """Validate one gift; `instance` is the stored gift for an update (partial), None for a create."""
    if not isinstance(item, dict):
        kind = type(item).__name__
        return {}, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
    errors: Errors = {}
    cleaned: dict[str, Any] = {}
    for field in FIELDS:  # unknown keys are ignored, as a real serializer does
        if field in item:
            value = _clean_field(field, item[field], errors)
            if field not in errors:
                cleaned[field] = value
    if instance is None:
        for field in REQUIRED_ON_CREATE:
            if field not in item:
                errors[field] = ["This field is required."]
    start = cleaned.get("start_time", instance.start_time if instance else None)
    removal = cleaned.get("removal_time", instance.removal_time if instance else None)
    if start and removal and "start_time" not in errors and "removal_time" not in errors and removal <= start:
        errors["removal_time"] = ["Removal time must be after start time."]
    return cleaned, errors


def _list_error(data: Any) -> JsonResponse | None:
    if not isinstance(data, list):
        kind = type(data).__name__ if data is not None else "null"
        return _json({"non_field_errors": [f'Expected a list of items but got type "{kind}".']}, 400)
    limit = settings.GIFT_BULK_MAX_ITEMS
    if len(data) > limit:
        return _json({"non_field_errors": [f"Ensure this field has no more than {limit} elements."]}, 400)
    return None


def _apply(gift: PartnerRemoteGift, cleaned: dict[str, Any]) -> None:
    for field, value in cleaned.items():
        setattr(gift, field, value)


def _method_not_allowed(request: HttpRequest) -> JsonResponse:
    return _json({"detail": f'Method "{request.method}" not allowed.'}, 405)


# --- views ---------------------------------------------------------------------------------------------
@sandbox_view("partner")
def gift_list(request: HttpRequest) -> HttpResponse:
    """GET {domain}/external/gift/: every gift on the site, in full."""
    if denied := _authenticate(request):
        return denied
    if request.method != "GET":
        return _method_not_allowed(request)
    return _json([_full(gift) for gift in PartnerRemoteGift.objects.order_by("id")])


@sandbox_view("partner")
def gift_detail(request: HttpRequest, gift_id: int) -> HttpResponse:
    """GET one gift in full; PUT updates the sent fields and echoes them with `id`."""
    if denied := _authenticate(request):
        return denied
    if request.method not in ("GET", "PUT"):
        return _method_not_allowed(request)
    gift = PartnerRemoteGift.objects.filter(pk=gift_id).first()
    if gift is None:
        return _json({"detail": "Not found."}, 404)
    if request.method == "GET":
        return _json(_full(gift))
    data, error = _body(request)
    if error:
        return error
    cleaned, errors = _clean_item(data, instance=gift)
    if errors:
        return _json(errors, 400)
    with transaction.atomic():
        _apply(gift, cleaned)
        gift.save()
    return _json(_echo(gift, cleaned))


@sandbox_view("partner")
def bulk_create(request: HttpRequest) -> HttpResponse:
    """POST a list of gifts; all are created or (any item invalid) none. 201 with the echoes in order."""
    if denied := _authenticate(request):
        return denied
    if request.method != "POST":
        return _method_not_allowed(request)
    data, error = _body(request)
    if error or (error := _list_error(data)):
        return error
    results = [_clean_item(item, instance=None) for item in data]
    if any(errors for _cleaned, errors in results):
        return _json([errors for _cleaned, errors in results], 400)
    with transaction.atomic():
        gifts = []
        for cleaned, _errors in results:
            gift = PartnerRemoteGift(**cleaned)
            gift.save()
            gifts.append(gift)
    return _json([_echo(gift, cleaned) for gift, (cleaned, _e) in zip(gifts, results, strict=True)], 201)


@sandbox_view("partner")
def bulk_update(request: HttpRequest) -> HttpResponse:
    """PUT a list of partial gifts, each with its `id`; all are updated or none. 200 with the echoes."""
    if denied := _authenticate(request):
        return denied
    if request.method != "PUT":
        return _method_not_allowed(request)
    data, error = _body(request)
    if error or (error := _list_error(data)):
        return error
    with transaction.atomic():
        ids = [item.get("id") for item in data if isinstance(item, dict)]
        known = {
            gift.pk: gift
            for gift in PartnerRemoteGift.objects.select_for_update().filter(
                pk__in=[i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
            )
        }
        seen: set[int] = set()
        results: list[tuple[PartnerRemoteGift | None, dict[str, Any], Errors]] = []
        for item in data:
            gift, id_errors = _find_for_update(item, known, seen)
            if gift is None:
                results.append((None, {}, id_errors))
                continue
            cleaned, errors = _clean_item(item, instance=gift)
            results.append((gift, cleaned, errors))
        if any(errors for _g, _c, errors in results):
            return _json([errors for _g, _c, errors in results], 400)
        for gift, cleaned, _errors in results:
            assert gift is not None
            _apply(gift, cleaned)
            gift.save()
    return _json([_echo(gift, cleaned) for gift, cleaned, _e in results if gift is not None])


def _find_for_update(
    item: Any, known: dict[int, PartnerRemoteGift], seen: set[int]
) -> tuple[PartnerRemoteGift | None, Errors]:
    if not isinstance(item, dict):
        kind = type(item).__name__
        return None, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
    gift_id = item.get("id")
    if "id" not in item:
        return None, {"id": ["This field is required."]}
    if not isinstance(gift_id, int) or isinstance(gift_id, bool):
        return None, {"id": ["A valid integer is required."]}
    if gift_id not in known:
        return None, {"id": [f"Gift with id {gift_id} does not exist."]}
    if gift_id in seen:
        return None, {"id": [f"Gift with id {gift_id} appears more than once in this request."]}
    seen.add(gift_id)
    return known[gift_id], {}


urlpatterns = [
    path("external/gift/", gift_list, name="sandbox-partner-gift-list"),
    path("external/gift/bulk-create/", bulk_create, name="sandbox-partner-gift-bulk-create"),
    path("external/gift/bulk-update/", bulk_update, name="sandbox-partner-gift-bulk-update"),
    path("external/gift/<int:gift_id>/", gift_detail, name="sandbox-partner-gift-detail"),
]
