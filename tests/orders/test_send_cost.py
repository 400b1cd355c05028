"""What one campaign send costs in SQL statements on our side (bench/purchases.py measures the time).

Perf: statement counts pin how the purchase path writes, not what it does; they may be re-baselined
when the hot paths change (docs/perf.md).

The exactly-once steps stay: the claim with its event (committed before the call), the move with its
event, the sale's completion and its report row (one transaction). The sale rows are written a chunk
ahead (campaigns.CREATE_AHEAD sales in one transaction of three INSERTs), so a send adds none of its own.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from giftoffice.runs.services import running, this_process
from orders.models import OrderEvent, OrderStatus, PurchaseReport, SupplierOrder
from orders.services import campaigns

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.perf]

PER_SEND = [
    "BEGIN", "UPDATE claim RETURNING attempts", "INSERT event", "COMMIT",
    "BEGIN", "UPDATE move", "INSERT event", "UPDATE sale completed", "INSERT report", "COMMIT",
]  # fmt: skip


def statements_of_a_campaign(teddy, recipients: list[str]) -> int:
    preview = campaigns.preview_campaign(telegram_gift=teddy, recipients=recipients)
    run = campaigns.create_campaign(preview=preview)
    with CaptureQueriesContext(connection) as ctx, running(run, claimed_by=this_process()):
        campaigns.send_campaign(run)
    # The sandbox answers in this process on SQLite's shared test connection: its statements are not ours.
    # Progress writes are throttled by time (PROGRESS_EVERY_SECONDS), not per send: left out.
    skip = ("sandbox_", 'UPDATE "orders_campaignrun"')
    return len([q for q in ctx.captured_queries if not any(s in q["sql"] for s in skip)])


def test_a_campaign_send_costs_ten_statements_and_keeps_every_exactly_once_row(sandbox, teddy):
    if connection.vendor != "sqlite":
        pytest.skip("statement counts of SQLite (BEGIN IMMEDIATE is a statement there)")
    # The difference between two campaigns cancels the per-campaign statements (campaign rows).
    three = statements_of_a_campaign(teddy, ["11", "12", "13"])
    five = statements_of_a_campaign(teddy, ["21", "22", "23", "24", "25"])

    assert five - three == 2 * len(PER_SEND)
    assert SupplierOrder.objects.filter(status=OrderStatus.COMPLETED).count() == 8
    assert OrderEvent.objects.count() == 16
    assert PurchaseReport.objects.count() == 8
