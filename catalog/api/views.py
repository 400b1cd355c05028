"""/external/gift/ endpoints: thin views over the gift selectors and services (the spec's wire format)."""

from __future__ import annotations

import re
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from catalog.api import schema
from catalog.api.auth import ApiKeyAuthentication, HasPartnerKey
from catalog.api.parsers import OrjsonParser
from catalog.api.throttling import PartnerKeyRateThrottle
from catalog.gift_fields import ORJSON_OPTIONS
from catalog.selectors import GiftListFilter, gift_wire
from catalog.services import gift_input
from catalog.services import gifts as gift_services

_ERRORS = {
    400: OpenApiResponse(
        description="Invalid input: {field: [messages]}, or for bulk requests a list of such "
        "objects aligned with the input ({} for valid items); nothing is written."
    ),
    401: OpenApiResponse(schema.Detail, description="Missing, wrong or revoked API key."),
    429: OpenApiResponse(schema.Detail, description="Rate limit of this key exceeded; see Retry-After."),
}


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(data, option=ORJSON_OPTIONS),
        content_type="application/json",
        status=status,
    )


def _validation_response(exc: Exception) -> HttpResponse:
    if isinstance(exc, gift_input.GiftRequestError):
        return json_response({"detail": exc.detail}, status=400)
    if isinstance(exc, gift_input.GiftNotFoundError):
        return json_response({"detail": "Not found."}, status=404)
    if isinstance(exc, gift_input.GiftForbiddenError):
        return json_response({"detail": exc.detail}, status=403)
    assert isinstance(exc, gift_input.GiftValidationError)
    return json_response(exc.errors, status=400)


class JsonOnly(DefaultContentNegotiation):
    """Always JSON, whatever Accept says: partners' HTTP clients send all sorts, and the spec's wire
    format has one representation. Parsers are chosen as DRF chooses them."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PartnerApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasPartnerKey]
    throttle_classes = [PartnerKeyRateThrottle]
    parser_classes = [OrjsonParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly

    @classmethod
    def as_view(cls, **initkwargs):
        # The rate counters commit as they count: under a request-wide transaction (ATOMIC_REQUESTS) a
        # refused request would roll its own count back, and failed authentications would never add up.
        # The writes open their own transactions (catalog.services.gifts).
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def media_prefix(self) -> str:
        return gift_wire.media_url_prefix(request=self.request)

    def bulk_write(self, service: Any, *, status: int, **kwargs: Any) -> HttpResponse:
        """Run a bulk service on the request body; answer the written gifts in input order, or the
        per-item errors (nothing written)."""
        media_prefix = self.media_prefix()
        try:
            ids = service(items=self.request.data, media_prefix=media_prefix, **kwargs)
        except (gift_input.GiftValidationError, gift_input.GiftRequestError) as exc:
            return _validation_response(exc)
        body = gift_wire.wire_json_of(ids, media_prefix=media_prefix)
        return HttpResponse(body, content_type="application/json", status=status)


_OFFSET_IN_QUERY_RE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)\Z")


_NO_LIST_PARAMS: dict[str, Any] = {
    "active": None,
    "updated_since": None,
    "limit": None,
    "offset": 0,
    "after": None,
}
_EVERY_GIFT = GiftListFilter(servable_only=True)


def _parse_list_params(request: Any) -> tuple[GiftListFilter, dict[str, list[str]]]:
    if not request.META.get("QUERY_STRING"):  # the common poll: no QueryDict to build
        return _EVERY_GIFT, {}
    query = request.query_params
    params: dict[str, Any] = dict(_NO_LIST_PARAMS)
    errors: dict[str, list[str]] = {}
    if (active := query.get("active")) is not None:
        lowered = active.strip().lower()
        if lowered in ("true", "1"):
            params["active"] = True
        elif lowered in ("false", "0"):
            params["active"] = False
        else:
            errors["active"] = ["Expected true or false."]
    if (since := query.get("updated_since")) is not None:
        # An unencoded "+03:00" arrives as " 03:00" (a query string's + is a space).
        since = _OFFSET_IN_QUERY_RE.sub(r"\1+\2", since.strip())
        try:
            params["updated_since"] = gift_input.parse_wire_datetime(since)
        except ValueError as exc:
            errors["updated_since"] = [str(exc)]
    for name in ("limit", "offset", "after"):
        if (raw := query.get(name)) is not None:
            if raw.isascii() and raw.isdigit() and len(raw) < 19:
                params[name] = int(raw)
            else:
                errors[name] = ["Expected a whole number >= 0."]
    return GiftListFilter(**params, servable_only=True), errors


class GiftListView(PartnerApiView):
    @extend_schema(
        operation_id="gift_list",
        summary="Receiving all gifts",
        description="A plain JSON array of gifts ordered by id. Optional filters; the total (before "
        "limit/offset) is in X-Total-Count. Send the ETag back in If-None-Match to get 304 when nothing "
        "changed.",
        parameters=[
            OpenApiParameter(
                "active", OpenApiTypes.BOOL, description="Only active (true) or inactive (false)."
            ),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Only gifts changed at or after this time (same formats as start_time; "
                "encode + as %2B).",
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="At most this many gifts."),
            OpenApiParameter("offset", OpenApiTypes.INT, description="Skip this many gifts (by id order)."),
            OpenApiParameter(
                "after",
                OpenApiTypes.INT,
                description="Keyset paging: only gifts with an id above this one. Walk the whole list "
                "with ?after=0&limit=N, then ?after=<the last id received>&limit=N until a page has "
                "fewer than N gifts; each page costs the same however far in. Such pages carry no "
                "X-Total-Count.",
            ),
        ],
        responses={
            200: OpenApiResponse(
                schema.Gift(many=True),
                description="Headers: X-Total-Count (matching gifts before limit/offset; not on "
                "?after= pages), ETag.",
            ),
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)."),
            **_ERRORS,
        },
    )
    def get(self, request):
        gift_filter, errors = _parse_list_params(request)
        if errors:
            return json_response(errors, status=400)
        page = gift_wire.gift_list_page(
            gift_filter,
            media_prefix=self.media_prefix(),
            if_none_match=request.META.get("HTTP_IF_NONE_MATCH"),
        )
        headers = {"ETag": page.etag}
        if page.total is not None:
            headers["X-Total-Count"] = str(page.total)
        if page.body is None:
            response = HttpResponseNotModified()
            for name, value in headers.items():
                response[name] = value
            return response
        if isinstance(page.body, bytes):
            return HttpResponse(page.body, content_type="application/json", headers=headers)
        return StreamingHttpResponse(page.body, content_type="application/json", headers=headers)


class GiftDetailView(PartnerApiView):
    @extend_schema(
        operation_id="gift_retrieve",
        summary="Receive one gift",
        responses={
            200: schema.Gift,
            404: OpenApiResponse(schema.Detail, description="No such gift."),
            **_ERRORS,
        },
    )
    def get(self, request, pk: int):
        payload = gift_wire.gift_payload(pk, media_prefix=self.media_prefix(), servable_only=True)
        if payload is None:
            return json_response({"detail": "Not found."}, status=404)
        return json_response(payload)

    @extend_schema(
        operation_id="gift_update",
        summary="One gift update",
        description="Partial: send only the fields to change. Validation runs on the merged state "
        "(removal_time after start_time). Answers with the full gift. Only gifts created with your "
        "partner's keys can be changed; others answer 403 with the reason.",
        request=schema.GiftUpdate,
        responses={
            200: schema.Gift,
            403: OpenApiResponse(schema.Detail, description="Read-only key, or a gift not created by you."),
            404: OpenApiResponse(schema.Detail, description="No such gift."),
            413: OpenApiResponse(schema.Detail, description="Body too large."),
            **_ERRORS,
        },
        examples=[
            OpenApiExample(
                "Spec example",
                request_only=True,
                value={
                    "name_ro": "Cadou actualizat",
                    "description_ro": "Descriere actualizată",
                    "start_time": "2025-08-26T10:00:00",
                    "removal_time": "2025-09-01T18:00:00",
                    "active": False,
                },
            )
        ],
    )
    def put(self, request, pk: int):
        media_prefix = self.media_prefix()
        try:
            gift_services.update_gift(
                gift_id=pk, data=request.data, acting_partner=request.user, media_prefix=media_prefix
            )
        except (
            gift_input.GiftValidationError,
            gift_input.GiftNotFoundError,
            gift_input.GiftForbiddenError,
        ) as exc:
            return _validation_response(exc)
        return json_response(gift_wire.gift_payload(pk, media_prefix=media_prefix))

    @extend_schema(
        operation_id="gift_partial_update",
        summary="One gift update (PATCH, same as PUT)",
        request=schema.GiftUpdate,
        responses={200: schema.Gift, 403: schema.Detail, 404: schema.Detail, **_ERRORS},
    )
    def patch(self, request, pk: int):
        return self.put(request, pk)


class GiftBulkCreateView(PartnerApiView):
    @extend_schema(
        operation_id="gift_bulk_create",
        summary="Creating multiple gifts",
        description=f"An array of at most GIFT_BULK_MAX_ITEMS ({settings.GIFT_BULK_MAX_ITEMS}) gifts. "
        "Required per item: name_ro, start_time, removal_time; active defaults to true. All or nothing: "
        "any invalid item -> 400 with per-item errors aligned with the input. Answers 201 with the "
        "created gifts (full objects with their ids) in input order.",
        request=schema.GiftCreate(many=True),
        responses={
            201: schema.Gift(many=True),
            403: OpenApiResponse(schema.Detail, description="Read-only key."),
            413: OpenApiResponse(schema.Detail, description="Body too large."),
            **_ERRORS,
        },
    )
    def post(self, request):
        return self.bulk_write(gift_services.bulk_create_gifts, owner=request.user, status=201)


class GiftBulkUpdateView(PartnerApiView):
    @extend_schema(
        operation_id="gift_bulk_update",
        summary="Update multiple gifts",
        description="An array of partial gifts, each with its id. All or nothing: unknown ids, gifts not "
        "created by your partner's keys and ids repeated in the request are per-item errors. Answers 200 "
        "with the full gifts in input order.",
        request=schema.GiftBulkUpdateItem(many=True),
        responses={
            200: schema.Gift(many=True),
            403: OpenApiResponse(schema.Detail, description="Read-only key."),
            413: OpenApiResponse(schema.Detail, description="Body too large."),
            **_ERRORS,
        },
    )
    def put(self, request):
        return self.bulk_write(gift_services.bulk_update_gifts, acting_partner=request.user, status=200)
