"""giftoffice.rows stores what the ORM calls it replaces store, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import TelegramGift
from giftoffice.rows import insert, update_where
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
