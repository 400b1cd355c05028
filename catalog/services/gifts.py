"""Gift writes behind /external/gift/ and the admin: validate every item first (gift_input), then
insert/update in a few batched statements inside one transaction: all or nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from catalog.fastpaths import common, postgres, sqlite
from catalog.gift_fields import (
    DEFAULT_LANGUAGE,
    MAX_ID,
    REQUIRED_ON_CREATE,
    TRANSLATED_FIELDS,
    WRITABLE_KEYS,
    db_column,
)
from catalog.models import Gift, Partner
from catalog.services.gift_input import (
    GiftForbiddenError,
    GiftNotFoundError,
    GiftValidationError,
    OwnMedia,
    check_items,
    clean_fields,
    is_id,
    request_cleaners,
    time_window_errors,
)
from giftoffice.db import retry_on_conflict


def _sqlite_datetime(value: datetime) -> str:
    """Aware datetime -> the text Django keeps in SQLite ("2025-08-25 09:50:00[.ffffff]" in UTC)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return f"{value.date().isoformat()} {value.time().isoformat()}"  # a third of isoformat(" ")'s cost


def _datetime_adapter(connection: Any) -> Callable[[datetime], Any]:
    """Aware datetime -> database parameter. On SQLite the same text Django writes, without the ORM's
    per-call settings lookups."""
    if connection.vendor == "sqlite":
        return _sqlite_datetime
    return connection.ops.adapt_datetimefield_value


def _insert_rows(rows: list[dict[str, Any]], *, owner_id: int | None) -> list[int]:
    """Insert cleaned rows; their ids in input order. Runs inside the caller's transaction.

    The fast path of the database (catalog/fastpaths/: SQLite executemany, PostgreSQL COPY), else the
    plain ORM (_insert_rows_plain), which each fast path is measured and tested against.
    """
    connection = connections[Gift.objects.db]
    fast = {"sqlite": sqlite.executemany_insert, "postgresql": postgres.copy_insert}.get(connection.vendor)
    if fast is None or not settings.GIFT_FAST_PATHS:
        return _insert_rows_plain(rows, owner_id=owner_id)
    adapt = _datetime_adapter(connection)
    qn = connection.ops.quote_name
    now = adapt(timezone.now())
    text_keys = WRITABLE_KEYS[:-3]
    base_keys = [f"{field}_{DEFAULT_LANGUAGE}" for field in TRANSLATED_FIELDS]
    columns = [
        *(db_column(key) for key in WRITABLE_KEYS),
        *(db_column(field) for field in TRANSLATED_FIELDS),
        db_column("owner"),
        db_column("created_at"),
        db_column("updated_at"),
    ]
    tail = (owner_id, now, now)
    params_rows = []
    for row in rows:
        get = row.get
        params_rows.append(
            [
                *map(get, text_keys),
                adapt(row["start_time"]),
                adapt(row["removal_time"]),
                get("active", True),
                *[get(key) or "" for key in base_keys],
                *tail,
            ]
        )
    return fast(
        connection,
        table=qn(Gift._meta.db_table),
        pk=qn(db_column("id")),
        columns=[qn(c) for c in columns],
        rows=params_rows,
    )


def _insert_rows_plain(rows: list[dict[str, Any]], *, owner_id: int | None) -> list[int]:
    """The plain ORM insert that the fast paths replace (and any other database uses): the same
    columns, base fields (the default language's values) included."""
    gifts = []
    for row in rows:
        values = {key: row.get(key) for key in WRITABLE_KEYS[:-3]}
        values.update(start_time=row["start_time"], removal_time=row["removal_time"])
        values["active"] = row.get("active", True)
        gift = Gift(**values, owner_id=owner_id)
        for field in TRANSLATED_FIELDS:  # the base column, past modeltranslation's descriptor
            gift.__dict__[field] = row.get(f"{field}_{DEFAULT_LANGUAGE}") or ""
        gifts.append(gift)
    return [gift.pk for gift in Gift.objects.bulk_create(gifts)]


@retry_on_conflict()
def bulk_create_gifts(*, items: object, owner: Partner | None, media_prefix: str) -> list[int]:
    """Create gifts from wire items, all or nothing; returns their ids in input order.

    Required per item: name_<default language>, start_time, removal_time; active defaults to true;
    link is optional (the spec's own example omits it). Raises GiftRequestError / GiftValidationError.
    """
    items = check_items(items)
    cleaners = request_cleaners(OwnMedia(media_prefix))
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, list[str]]] = []
    for raw in items:
        if not isinstance(raw, dict):
            errors.append({"non_field_errors": ["Expected a JSON object."]})
            rows.append({})
            continue
        values, item_errors = clean_fields(raw, cleaners)
        if "id" in raw:
            item_errors["id"] = ["Must not be set when creating a gift."]
        for key in REQUIRED_ON_CREATE:
            if key not in raw:
                item_errors[key] = ["This field is required."]
        if not item_errors:
            item_errors = time_window_errors(values, values["start_time"], values["removal_time"])
        errors.append(item_errors)
        rows.append(values)
    if any(errors):
        raise GiftValidationError(errors)
    if not rows:
        return []
    with transaction.atomic():
        return _insert_rows(rows, owner_id=owner.pk if owner else None)


def _utc(value: datetime | str) -> datetime:
    """A datetime as common.locked_gift_rows read it (SQLite: Django's UTC text) -> aware UTC datetime."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _update_rows(updates: list[tuple[int, dict[str, Any]]], current: dict[int, dict[str, Any]]) -> None:
    """Write the validated updates; runs inside the caller's transaction (the rows read under lock).

    The fast path (catalog/fastpaths/common.py: one executemany UPDATE), else the plain ORM
    (_update_rows_plain), which the fast path is measured and tested against.
    """
    connection = connections[Gift.objects.db]
    if not settings.GIFT_FAST_PATHS:
        _update_rows_plain(updates)
        return
    common.executemany_update(connection, updates, current, adapt=_datetime_adapter(connection))


def _update_rows_plain(updates: list[tuple[int, dict[str, Any]]]) -> None:
    """The plain ORM update the fast path replaces: bulk_update over the sent columns, the base fields
    (the default language's values) and updated_at."""
    sent_anywhere = set().union(*(values.keys() for _id, values in updates))
    sent = [key for key in WRITABLE_KEYS if key in sent_anywhere]
    base = [field for field in TRANSLATED_FIELDS if f"{field}_{DEFAULT_LANGUAGE}" in sent_anywhere]
    gifts = Gift.objects.in_bulk([gift_id for gift_id, _values in updates])
    now = timezone.now()
    for gift_id, values in updates:
        gift = gifts[gift_id]
        for key in sent:
            if key in values:
                setattr(gift, key, values[key])
        for field in base:  # the base column, past modeltranslation's descriptor
            gift.__dict__[field] = getattr(gift, f"{field}_{DEFAULT_LANGUAGE}") or ""
        gift.updated_at = now
    Gift.objects.bulk_update(gifts.values(), [*sent, *base, "updated_at"])


@retry_on_conflict()
def bulk_update_gifts(*, items: object, acting_partner: Partner | None, media_prefix: str) -> list[int]:
    """Update gifts from wire items with "id", all or nothing; returns the ids in input order.

    Each item is partial; validation runs against the merged state. Unknown ids, gifts the caller may
    not change (a partner changes only gifts its keys created; `acting_partner=None` is staff, who may
    change any) and ids repeated within the request are per-item errors.
    """
    items = check_items(items)
    cleaners = request_cleaners(OwnMedia(media_prefix))
    errors: list[dict[str, list[str]]] = []
    cleaned: list[dict[str, Any]] = []
    ids: list[int | None] = []
    for raw in items:
        if not isinstance(raw, dict):
            errors.append({"non_field_errors": ["Expected a JSON object."]})
            cleaned.append({})
            ids.append(None)
            continue
        values, item_errors = clean_fields(raw, cleaners)
        gift_id = raw.get("id")
        if "id" not in raw:
            item_errors["id"] = ["This field is required."]
        elif not is_id(gift_id):
            item_errors["id"] = ["A valid integer id is required."]
            gift_id = None
        errors.append(item_errors)
        cleaned.append(values)
        ids.append(gift_id)
    counts = Counter(gift_id for gift_id in ids if gift_id is not None)
    if len(counts) != sum(counts.values()):
        for position, gift_id in enumerate(ids):
            if gift_id is not None and counts[gift_id] > 1:
                errors[position]["id"] = [f"Gift {gift_id} appears more than once in this request."]
    owner_id = acting_partner.pk if acting_partner is not None else None
    with transaction.atomic():
        sent = {key for values in cleaned for key in values}
        known = sorted(gift_id for gift_id in counts if gift_id <= MAX_ID)
        current = common.locked_gift_rows(connections[Gift.objects.db], ids=known, keys=sent)
        for position, gift_id in enumerate(ids):
            if gift_id is not None and counts[gift_id] > 1:
                errors[position]["id"] = [f"Gift {gift_id} appears more than once in this request."]
    owner_id = acting_partner.pk if acting_partner is not None else None
    with transaction.atomic():
        sent = {key for values in cleaned for key in values}
        current = common.locked_gift_rows(
            connections[Gift.objects.db],
            ids=sorted(gift_id for gift_id in counts if gift_id <= MAX_ID),
            keys=sent,
        )
        for position, gift_id in enumerate(ids):
            item_errors = errors[position]
            if gift_id is None or "id" in item_errors:
                continue
            state = current.get(gift_id)
            if state is None:
                item_errors["id"] = [f"Gift {gift_id} does not exist."]
            elif acting_partner is not None and state["owner_id"] != owner_id:
                item_errors["id"] = [f"Gift {gift_id} was not created by your partner account."]
            elif not item_errors:
                values = cleaned[position]
                start = values["start_time"] if "start_time" in values else _utc(state["start_time"])
                removal = values["removal_time"] if "removal_time" in values else _utc(state["removal_time"])
                if removal <= start:
                    errors[position] = time_window_errors(values, start, removal)
        if any(errors):
            raise GiftValidationError(errors)
        updates = [(gift_id, values) for gift_id, values in zip(ids, cleaned, strict=True) if values]
        if updates:
            _update_rows(updates, current)
    return [gift_id for gift_id in ids if gift_id is not None]


def update_gift(*, gift_id: int, data: object, acting_partner: Partner | None, media_prefix: str) -> int:
    """Partial update of one gift (the spec's PUT; PATCH is the same). Unknown -> GiftNotFoundError; not
    the caller's -> GiftForbiddenError (the gift is readable by every key, so its existence is no secret);
    invalid -> GiftValidationError with {field: [messages]}."""
    if isinstance(data, dict) and "id" in data and data["id"] != gift_id:
        raise GiftValidationError({"id": ["Does not match the id in the URL."]})
    item = {**data, "id": gift_id} if isinstance(data, dict) else data
    try:
        bulk_update_gifts(items=[item], acting_partner=acting_partner, media_prefix=media_prefix)
    except GiftValidationError as exc:
        (item_errors,) = exc.errors
        if "id" in item_errors:  # unknown, or not the caller's
            if gift_id <= MAX_ID and Gift.objects.filter(pk=gift_id).exists():
                raise GiftForbiddenError(item_errors["id"][0]) from None
            raise GiftNotFoundError(gift_id) from None
        raise GiftValidationError(item_errors) from None
    return gift_id


@retry_on_conflict()
def set_gifts_active(*, gift_ids: Iterable[int], active: bool) -> int:
    """Activate/deactivate gifts (admin actions). Bumps updated_at so list ETags and pushes see it.
    Rows are locked in id order first, like the API's bulk update, so the two never deadlock."""
    ids = list(gift_ids)
    with transaction.atomic():
        locked = list(
            Gift.objects.filter(pk__in=ids).order_by("pk").select_for_update().values_list("pk", flat=True)
        )
        return Gift.objects.filter(pk__in=locked).update(active=active, updated_at=timezone.now())
