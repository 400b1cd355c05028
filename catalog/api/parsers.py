"""JSON bodies parsed by orjson, with the size limit enforced before parsing (413, never a 500)."""

from __future__ import annotations

import orjson
from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

_DRAIN_LIMIT = 64 * 1024 * 1024  # read (and drop) at most this much of an oversized body


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class OrjsonParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                _drain(stream, declared)
                raise PayloadTooLarge(f"Request body is {declared} bytes; the limit is {limit} bytes.")
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            _drain(stream, _DRAIN_LIMIT)
            raise PayloadTooLarge(f"Request body exceeds the limit of {limit} bytes.")
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def _drain(stream, size: int) -> None:
    """Consume the unread body so the client gets our 413 instead of a reset connection."""
    remaining = min(size, _DRAIN_LIMIT)
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 16))
        if not chunk:
            break
        remaining -= len(chunk)
