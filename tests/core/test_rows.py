"""giftoffice.rows stores what the ORM calls it replaces store, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F

from catalog.models import RateCounter, TelegramGift
from giftoffice.rows import (
    count_in_window,
    insert,
    insert_many,
    update_many,
    update_returning,
    update_unless_related,
    update_where,
)
from orders.models import OrderEvent, OrderStatus, PurchaseReport, Sale, SupplierOrder

pytestmark = pytest.mark.django_db


def comparable(obj) -> dict:
    """Every stored column but the primary key and the creation stamps, read back from the database."""
    row = type(obj).objects.filter(pk=obj.pk).values().get()
    return {k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at", "transaction_id")}


@pytest.fixture
def gift() -> TelegramGift:
    return TelegramGift.objects.get_or_create(
        gift_id="5170233102089322756", defaults={"emoji": "🧸", "price_rub": 15}
    )[0]


def new_order(gift, **extra) -> SupplierOrder:
    sale = Sale.objects.create(recipient_id=7, amount_paid=Decimal("12.345000001"), currency="TON")
    return SupplierOrder(
        sale=sale,
        supplier="giftly",
        telegram_gift=gift,
        price=Decimal("15.25"),
        currency="RUB",
        request={"recipient": "7", "text": "Привет 🎁"},
        **extra,
    )


def test_insert_stores_the_row_create_stores_with_defaults_json_decimals_and_encrypted_fields(gift):
    ours = insert(new_order(gift, activation_key="KEY-SECRET"))
    plain = new_order(gift, activation_key="KEY-SECRET")
    plain.save(force_insert=True)

    assert ours.pk is not None
    assert ours.pk != plain.pk
    assert not ours._state.adding
    assert comparable(ours) | {"sale_id": None} == comparable(plain) | {"sale_id": None}
    stored = SupplierOrder.objects.get(pk=ours.pk)
    assert (stored.activation_key, stored.price, stored.request) == (
        "KEY-SECRET",
        Decimal("15.25"),
        {"recipient": "7", "text": "Привет 🎁"},
    )
    assert len(stored.transaction_id) == 32
    assert stored.transaction_id == ours.transaction_id
    with connection.cursor() as cursor:  # encrypted at rest, as the ORM stores it
        cursor.execute("SELECT activation_key FROM orders_supplierorder WHERE id = %s", [ours.pk])
        assert "KEY-SECRET" not in cursor.fetchone()[0]


def test_insert_applies_auto_now_add_and_keeps_an_explicit_primary_key(gift):
    order = insert(new_order(gift))
    event = insert(OrderEvent(pk=424242, order=order, from_status="new", to_status="submitting", message="m"))

    stored = OrderEvent.objects.get(pk=424242)
    assert event.pk == 424242
    assert stored.created_at is not None
    assert stored.created_at == event.created_at
    assert (
        stored.order_id,
        stored.from_status,
        stored.to_status,
        stored.actor_id,
        stored.supplier_answer,
    ) == (
        order.pk,
        "new",
        "submitting",
        None,
        None,
    )


def test_insert_stores_null_json_and_a_report_payload_like_create(gift):
    sale = Sale.objects.create(recipient_id=1)
    other = Sale.objects.create(recipient_id=2)
    payload = {"amount": 150, "gift_name": "Teddy", "nested": [1, None, "ü"]}
    ours = insert(PurchaseReport(sale=sale, transaction_id="t-1", status="pending", payload=payload))
    plain = PurchaseReport.objects.create(sale=other, transaction_id="t-2", status="pending", payload=payload)

    assert comparable(ours) | {"sale_id": None} == comparable(plain) | {"sale_id": None}
    assert PurchaseReport.objects.get(pk=ours.pk).payload == payload


def test_update_where_changes_the_rows_filter_update_changes_and_counts_them(gift):
    first, second = insert(new_order(gift)), insert(new_order(gift))
    when = datetime(2026, 12, 7, 10, 30, 15, 123456, tzinfo=UTC)
    values = {
        "status": OrderStatus.SUBMITTING,
        "updated_at": when,
        "supplier_message": "ü",
        "price": Decimal("1.5"),
    }

    assert update_where(SupplierOrder, where={"pk": first.pk, "status": OrderStatus.NEW}, values=values) == 1
    assert SupplierOrder.objects.filter(pk=second.pk, status=OrderStatus.NEW).update(**values) == 1
    assert comparable(SupplierOrder.objects.get(pk=first.pk)) | {
        "sale_id": None,
        "request": None,
    } == comparable(SupplierOrder.objects.get(pk=second.pk)) | {"sale_id": None, "request": None}
    assert SupplierOrder.objects.get(pk=first.pk).updated_at == when
    # A compare-and-set that lost: the status is no longer NEW, nothing changes.
    assert update_where(SupplierOrder, where={"pk": first.pk, "status": OrderStatus.NEW}, values=values) == 0


def test_update_where_matches_null_with_none(gift):
    order = insert(new_order(gift))

    assert (
        update_where(SupplierOrder, where={"pk": order.pk, "finished_at": None}, values={"attempts": 3}) == 1
    )
    assert (
        update_where(SupplierOrder, where={"pk": order.pk, "supplier_order_id": None}, values={"attempts": 4})
        == 0
    )
    assert SupplierOrder.objects.get(pk=order.pk).attempts == 3


def test_update_returning_claims_like_an_f_update_and_reads_the_raised_counts_back(gift):
    ours, plain = insert(new_order(gift)), insert(new_order(gift))
    when = datetime(2026, 12, 7, 10, 30, 15, 123456, tzinfo=UTC)
    claim = {
        "where": {"pk": ours.pk, "status": OrderStatus.NEW},
        "values": {"status": OrderStatus.SUBMITTING, "submitted_at": when, "updated_at": when},
        "increment": ("attempts", "claim"),
        "returning": ("attempts", "claim"),
    }

    assert update_returning(SupplierOrder, **claim) == (1, 1)
    SupplierOrder.objects.filter(pk=plain.pk, status=OrderStatus.NEW).update(
        status=OrderStatus.SUBMITTING,
        submitted_at=when,
        updated_at=when,
        attempts=F("attempts") + 1,
        claim=F("claim") + 1,
    )
    assert comparable(SupplierOrder.objects.get(pk=ours.pk)) | {
        "sale_id": None,
        "request": None,
    } == comparable(SupplierOrder.objects.get(pk=plain.pk)) | {"sale_id": None, "request": None}
    assert update_returning(SupplierOrder, **claim) is None  # no longer NEW: nothing changes


def test_update_unless_related_completes_a_sale_only_while_its_one_order_is_the_only_one(gift):
    single = insert(new_order(gift))
    pair = insert(new_order(gift))
    other = new_order(gift)
    other.sale = pair.sale
    insert(other)
    when = datetime(2026, 12, 7, 10, 30, 15, 123456, tzinfo=UTC)

    def complete(order) -> bool:
        return update_unless_related(
            Sale,
            pk=order.sale_id,
            unset="completed_at",
            value=when,
            related=SupplierOrder,
            link="sale",
            but=order.pk,
        )

    assert complete(single) is True
    assert Sale.objects.get(pk=single.sale_id).completed_at == when
    assert complete(single) is False  # completed already
    assert complete(pair) is False  # another order of the sale
    assert Sale.objects.get(pk=pair.sale_id).completed_at is None


def test_count_in_window_counts_one_row_per_key_and_starts_again_in_a_new_window():
    assert [count_in_window(RateCounter, key="k", window=7, expires_at=80.0) for _ in range(3)] == [1, 2, 3]
    assert count_in_window(RateCounter, key="other", window=7, expires_at=80.0) == 1
    assert count_in_window(RateCounter, key="k", window=8, expires_at=90.0) == 1
    assert list(RateCounter.objects.order_by("pk").values_list("pk", "window_no", "count", "expires_at")) == [
        ("k", 8, 1, 90.0),
        ("other", 7, 1, 80.0),
    ]


def test_insert_many_and_update_many_store_what_bulk_create_and_bulk_update_store():
    fields = ["counter_key", "window_no", "count", "expires_at"]
    insert_many(RateCounter, fields=fields, rows=[("a", 1, 1, 10.0), ("b", 2, 5, 20.5)])
    RateCounter.objects.bulk_create([RateCounter("c", 1, 1, 10.0), RateCounter("d", 2, 5, 20.5)])
    update_many(RateCounter, fields=["count", "expires_at"], rows=[(9, 30.0, "a"), (8, 40.0, "b")])
    plain = [RateCounter("c", 1, 9, 30.0), RateCounter("d", 2, 8, 40.0)]
    RateCounter.objects.bulk_update(plain, ["count", "expires_at"])

    rows = list(RateCounter.objects.order_by("pk").values_list("window_no", "count", "expires_at"))
    assert rows[:2] == rows[2:] == [(1, 9, 30.0), (2, 8, 40.0)]
