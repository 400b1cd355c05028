"""Client of a partner site's "Gift with product" API (gift-with-product.md): {base}/external/gift/...

Write answers carry only the sent fields plus `id` (the document's examples), so results are typed
as `RemoteGift` with whatever keys came back, and bulk results are matched to the inputs by position.
A 400 answering a bulk call with a list of per-item errors becomes `BatchRejectedError`, its
`item_errors` aligned with the input.

PUT calls set absolute values, so they are safe to repeat and are retried; bulk-create is not, and a
lost answer surfaces as `OutcomeUnknownError` for the caller to reconcile (see catalog.publishing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Unpack

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from giftoffice.integrations.base import (
    BadResponseError,
    BaseClient,
    ClientOptions,
    RejectedError,
)

# The project's languages, from settings (this package does not import catalog).
LANGUAGES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)
DEFAULT_NAME_KEY = f"name_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}"
TRANSLATED = ("icon", "image", "name", "link", "description")  # the document's per-language fields
WIRE_FIELDS: tuple[str, ...] = (
    *(f"{name}_{lang}" for name in TRANSLATED for lang in LANGUAGES),
    "start_time",
    "removal_time",
    "active",
)
WireValue = str | bool | None


def read_remote_datetime(value: Any) -> datetime | None:
    """A remote site's datetime, read leniently: naive values are in TIME_ZONE, an explicit offset is
    honoured, None when unreadable. (Our API's strict parser is
    catalog.services.gift_input.parse_wire_datetime.)
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@dataclass(frozen=True)
class GiftWrite:
    """One gift to send. `fields` holds only wire keys (see WIRE_FIELDS); `id` is required to update."""

    fields: Mapping[str, WireValue]
    id: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(WIRE_FIELDS)
        if unknown:
            raise ValueError(f"not fields of the gift API: {', '.join(sorted(unknown))}")

    def to_json(self) -> dict[str, WireValue | int]:
        body: dict[str, WireValue | int] = {} if self.id is None else {"id": self.id}
        body.update(self.fields)
        return body


@dataclass(frozen=True)
class RemoteGift:
    """A gift as the site answered: in full from GET, or `id` plus the sent keys from a write."""

    id: int
    fields: Mapping[str, WireValue] = field(default_factory=dict)

    def get(self, key: str) -> WireValue:
        return self.fields.get(key)

    @property
    def start_time(self) -> datetime | None:
        return read_remote_datetime(self.fields.get("start_time"))

    @property
    def removal_time(self) -> datetime | None:
        return read_remote_datetime(self.fields.get("removal_time"))


class BatchRejectedError(RejectedError):
    """The site refused a bulk call item by item; nothing was written.

    `item_errors[i]` is the message for input i ("" for an item the site found valid).
    """

    def __init__(self, message: str, *, item_errors: list[str], provider: str, status: int, details: Any):
        super().__init__(message, code="invalid", provider=provider, status=status, details=details)
        self.item_errors = item_errors


def describe_errors(errors: Any) -> str:
    """Flatten a serializer-style error body ({"field": ["msg"]}) into one readable line."""
    if isinstance(errors, Mapping):
        parts = []
        for key, value in errors.items():
            text = describe_errors(value)
            parts.append(text if key in ("non_field_errors", "detail") else f"{key}: {text}")
        return "; ".join(p for p in parts if p)
    if isinstance(errors, list | tuple):
        return " ".join(describe_errors(value) for value in errors if value not in (None, "", {}, []))
    return "" if errors is None else str(errors)


class PartnerSiteClient(BaseClient):
    """One partner site: base URL, one auth header (name and secret value), a timeout."""

    provider = "partner"
    base_path = "external/gift/"

    def __init__(
        self,
        *,
        base_url: str,
        auth_header: str,
        auth_secret: str,
        name: str = "",
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(base_url=base_url, **options)
        self.auth_header = auth_header
        self.auth_secret = auth_secret
        if name:
            self.provider = f"partner {name}"

    # --- BaseClient hooks ---------------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {self.auth_header: self.auth_secret} if self.auth_header and self.auth_secret else {}

    def secrets(self) -> Iterable[str]:
        return (self.auth_secret,) if self.auth_secret else ()

    def raise_for_error(self, response: requests.Response, payload: Any) -> None:
        if response.status_code == 400 and isinstance(payload, list):
            item_errors = [self.redact(describe_errors(item)) for item in payload]
            failing = sum(1 for text in item_errors if text)
            raise BatchRejectedError(
                f"{failing} of {len(item_errors)} items refused",
                item_errors=item_errors,
                provider=self.provider,
                status=400,
                details=payload,
            )
        if response.status_code == 400 and isinstance(payload, Mapping) and not self.error_message(payload):
            raise RejectedError(
                self.redact(describe_errors(payload) or "bad request"),
                code="invalid",
                provider=self.provider,
                status=400,
                details=payload,
            )
        if response.status_code == 404:
            raise RejectedError(
                self.redact(self.error_message(payload) or "Not found."),
                code="not_found",
                provider=self.provider,
                status=404,
                details=payload,
            )
        super().raise_for_error(response, payload)

    # --- the API ------------------------------------------------------------------------------------
    def list_gifts(self) -> list[RemoteGift]:
        """GET {domain}/external/gift/: every gift on the site."""
        payload = self.request("GET", self.base_path)
        if not isinstance(payload, list):
            raise BadResponseError("gift list is not a JSON array", provider=self.provider)
        return [self._remote(item) for item in payload]

    def get_gift(self, remote_id: int) -> RemoteGift:
        payload = self.request("GET", f"{self.base_path}{int(remote_id)}/")
        return self._remote(payload)

    def update_gift(self, remote_id: int, gift: GiftWrite) -> RemoteGift:
        """PUT one gift (partial: only the given fields change)."""
        payload = self.request(
            "PUT", f"{self.base_path}{int(remote_id)}/", json=dict(gift.fields), idempotent=True
        )
        result = self._remote(payload)
        if result.id != remote_id:
            raise BadResponseError(
                f"update of gift {remote_id} answered for gift {result.id}", provider=self.provider
            )
        return result

    def bulk_create(self, gifts: Sequence[GiftWrite]) -> list[RemoteGift]:
        """POST bulk-create; the answer's items are the created gifts in input order.

        Not retried here: a lost answer raises OutcomeUnknownError and the caller must reconcile.
        """
        if not gifts:
            return []
        body = [{k: v for k, v in gift.to_json().items() if k != "id"} for gift in gifts]
        payload = self.request("POST", f"{self.base_path}bulk-create/", json=body, idempotent=False)
        results = self._remote_list(payload, expected=len(gifts), action="bulk-create")
        for index, (sent, got) in enumerate(zip(gifts, results, strict=True)):
            self._check_echo(index, sent, got)
        return results

    def bulk_update(self, gifts: Sequence[GiftWrite]) -> list[RemoteGift]:
        """PUT bulk-update; each item needs its `id`. Answers are matched to inputs by position."""
        if not gifts:
            return []
        if any(gift.id is None for gift in gifts):
            raise ValueError("every gift of a bulk-update needs its remote id")
        body = [gift.to_json() for gift in gifts]
        payload = self.request("PUT", f"{self.base_path}bulk-update/", json=body, idempotent=True)
        results = self._remote_list(payload, expected=len(gifts), action="bulk-update")
        for index, (sent, got) in enumerate(zip(gifts, results, strict=True)):
            if got.id != sent.id:
                raise BadResponseError(
                    f"bulk-update answer item {index} is gift {got.id}, expected {sent.id}",
                    provider=self.provider,
                )
        return results

    # --- parsing ------------------------------------------------------------------------------------
    def _remote(self, item: Any) -> RemoteGift:
        if not isinstance(item, Mapping):
            raise BadResponseError("gift is not a JSON object", provider=self.provider)
        remote_id = item.get("id")
        if not isinstance(remote_id, int) or isinstance(remote_id, bool):
            raise BadResponseError("gift without an integer id", provider=self.provider)
        fields = {key: item[key] for key in WIRE_FIELDS if key in item}
        return RemoteGift(id=remote_id, fields=fields)

    def _remote_list(self, payload: Any, *, expected: int, action: str) -> list[RemoteGift]:
        if not isinstance(payload, list):
            raise BadResponseError(f"{action} answer is not a JSON array", provider=self.provider)
        if len(payload) != expected:
            raise BadResponseError(
                f"{action} answered {len(payload)} items for {expected} sent", provider=self.provider
            )
        return [self._remote(item) for item in payload]

    def _check_echo(self, index: int, sent: GiftWrite, got: RemoteGift) -> None:
        """Position is the only link between input and answer: refuse an echo that contradicts it."""
        mine, theirs = sent.fields.get(DEFAULT_NAME_KEY), got.fields.get(DEFAULT_NAME_KEY)
        if isinstance(mine, str) and isinstance(theirs, str) and mine.strip() != theirs.strip():
            raise BadResponseError(
                f"bulk-create answer item {index} does not match the item sent at that position",
                provider=self.provider,
            )
