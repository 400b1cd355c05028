"""The pinned commands: send_telegram_gift, buy_offer, poll_orders, gamesdrop_balance, reconcile_gamesdrop."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from giftoffice.sandbox import faults
from giftoffice.sandbox.models import GamesDropOrder, GamesDropTransaction, GiftlyAccount, GiftlySentGift
from giftoffice.sandbox.providers import gamesdrop_state
from orders.models import OrderStatus, Sale, SupplierOrder

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines()


# --- send_telegram_gift ------------------------------------------------------------------------------


def test_send_telegram_gift_makes_one_sale_per_recipient_and_ends_with_the_summary(sandbox, teddy, tmp_path):
    listing = tmp_path / "ids.txt"
    listing.write_text("456789123\n\n143594291\n")

    code, lines = run(
        "send_telegram_gift",
        teddy.gift_id,
        "987654321",
        "--recipients-file",
        str(listing),
        "--text",
        "Hi",
        "--buyer-id",
        "42",
        "--paid",
        "1.50",
        "usd",
    )

    assert code == 0
    assert lines[-1] == "send_telegram_gift: sent 3, outcome unknown 0, failed 0"
    assert sorted(Sale.objects.values_list("recipient_id", flat=True)) == [143594291, 456789123, 987654321]
    assert set(Sale.objects.values_list("buyer_id", "amount_paid", "currency")) == {
        (42, Decimal("1.5"), "USD")
    }
    assert GiftlySentGift.objects.count() == 3


def test_send_telegram_gift_exits_non_zero_on_a_failure(sandbox, teddy):
    code, lines = run("send_telegram_gift", teddy.gift_id, "987654321", "1000404")

    assert code == 1
    assert lines[-1] == "send_telegram_gift: sent 1, outcome unknown 0, failed 1"


def test_send_telegram_gift_stops_at_the_first_unknown_outcome(sandbox, teddy):
    faults.arm(provider="giftly", kind="commit_then_500", path="buyGift")

    code, lines = run("send_telegram_gift", teddy.gift_id, "987654321", "456789123", "143594291")

    assert code == 1
    assert lines[-1] == (
        "send_telegram_gift: sent 0, outcome unknown 1, failed 0, "
        "not sent 2 (stopped at the first unknown outcome)"
    )
    assert Sale.objects.count() == 1
    assert GiftlySentGift.objects.count() == 1


def test_send_telegram_gift_stops_at_an_empty_balance_saying_why_and_cancels_no_one(sandbox, teddy):
    GiftlyAccount.objects.create(pk=1, balance_rub=Decimal(15))

    code, lines = run("send_telegram_gift", teddy.gift_id, "987654321", "456789123", "143594291")

    held = SupplierOrder.objects.get(sale__recipient_id=456789123)
    assert code == 1
    assert lines[-1] == (
        "send_telegram_gift: sent 1, outcome unknown 0, failed 0, not sent 2 (paused before recipient "
        f"456789123 (order {held.transaction_id}, not sent): the Giftly balance is too low (Insufficient "
        "balance); nothing was sent. Top up the Giftly account, then resume the campaign.)"
    )
    assert held.status == OrderStatus.NEW
    assert not SupplierOrder.objects.filter(status=OrderStatus.CANCELED).exists()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["5170233102089322756", "12a"], "'12a': not numeric"),
        (["5170233102089322756", "-5"], "'-5': negative"),
        (["5170233102089322756", "7", "7"], "'7': duplicate"),
        (["5170233102089322756"], "no recipients"),
        (["999", "7"], "unknown Giftly gift id '999'"),
        (["5170233102089322756", "7", "--paid", "0", "USD"], "amount paid must be more than 0"),
        (["5170233102089322756", "7", "--paid", "-3", "USD"], "amount paid must be more than 0"),
        (["5170233102089322756", "7", "--paid", "1", "DOGE"], "unknown currency 'DOGE'"),
        (["5170233102089322756", "7", "--buyer-id", "x"], "not numeric"),
    ],
)
def test_send_telegram_gift_bad_input_is_an_error_and_nothing_is_created(sandbox, teddy, args, error):
    with pytest.raises(CommandError, match=error.replace("(", r"\(")):
        call_command("send_telegram_gift", *args, stdout=io.StringIO())
    assert Sale.objects.count() == 0
    assert GiftlySentGift.objects.count() == 0


def test_send_telegram_gift_refuses_more_than_10000_recipients(sandbox, teddy, tmp_path):
    listing = tmp_path / "ids.txt"
    listing.write_text("\n".join(str(n) for n in range(1, 10_002)))

    with pytest.raises(CommandError, match="10001 recipients; at most 10,000"):
        call_command("send_telegram_gift", teddy.gift_id, "--recipients-file", str(listing))
    assert Sale.objects.count() == 0


def test_send_telegram_gift_refuses_a_gift_no_longer_on_sale(sandbox, teddy):
    teddy.active = False
    teddy.save()

    with pytest.raises(CommandError, match="not on sale"):
        call_command("send_telegram_gift", teddy.gift_id, "7")


# --- buy_offer ---------------------------------------------------------------------------------------


def test_buy_offer_prints_the_transaction_id_and_status(offers):
    offers(999)

    code, lines = run("buy_offer", "999")

    order = SupplierOrder.objects.get()
    assert code == 0
    assert lines[-1].startswith(f"{order.transaction_id} COMPLETED")


def test_buy_offer_wait_polls_until_final(offers, settings):
    settings.ORDERS_POLL_FIRST_SECONDS = 0
    offers(1001)

    code, lines = run("buy_offer", "1001", "--wait")

    order = SupplierOrder.objects.get()
    assert code == 0
    assert [line.split(" ")[1] for line in lines] == ["SUBMITTED", "PROCESSING", "COMPLETED"]
    assert order.status == OrderStatus.COMPLETED


def test_buy_offer_exits_non_zero_when_the_order_ends_failed(offers, settings):
    settings.ORDERS_POLL_FIRST_SECONDS = 0
    offers(971)

    code, lines = run("buy_offer", "971", "--wait")

    assert code == 1
    assert lines[-1].split(" ")[1] == "FAILED"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["123456"], "unknown GamesDrop offer 123456"),
        (["101"], "needs the player's game user id"),
        (["973"], "out of stock"),
        (["960", "--game-user-id", "52357322414"], "needs a server"),
    ],
)
def test_buy_offer_that_cannot_be_placed_is_an_error_and_nothing_is_created(offers, args, error):
    for offer_id in (101, 960, 973):
        offers(offer_id)

    with pytest.raises(CommandError, match=error):
        call_command("buy_offer", *args, stdout=io.StringIO())
    assert SupplierOrder.objects.count() == 0
    assert GamesDropOrder.objects.count() == 0


# --- poll_orders, gamesdrop_balance, reconcile_gamesdrop -----------------------------------------------


def test_poll_orders_runs_one_pass(offers):
    offers(1001)
    run("buy_offer", "1001")
    SupplierOrder.objects.update(next_poll_at=timezone.now() - timedelta(seconds=1))

    code, lines = run("poll_orders")

    assert code == 0
    assert lines == ["poll_orders: 1 orders looked at; now PROCESSING 1"]


def test_gamesdrop_balance_prints_balance_and_draft(sandbox):
    gamesdrop_state.set_account(balance=Decimal("12.50"))

    code, lines = run("gamesdrop_balance")

    assert code == 0
    assert lines == ["balance 12.50 USD, draftBalance 0.00 USD (prepaid, profile MIXED)"]


def test_reconcile_gamesdrop_matches_purchases_and_lists_the_mismatches(offers):
    offers(1001)
    offers(999)
    run("buy_offer", "999")
    # A purchase made outside the back-office (someone else with our token).
    from giftoffice.integrations import gamesdrop as api

    api.client().create_order(
        api.OrderRequest(offer_id=1001, price=Decimal("560.10"), transaction_id="elsewhere")
    )
    # And an order we marked completed that GamesDrop has no purchase for.
    run("buy_offer", "999")
    ours = SupplierOrder.objects.order_by("-id").first()
    GamesDropTransaction.objects.filter(order__transaction_id=ours.transaction_id).delete()

    code, lines = run("reconcile_gamesdrop", "--since", timezone.now().strftime("%Y-%m-%d"))

    assert code == 1
    assert "1 purchases matched to our orders" in lines[0]
    assert lines[1].startswith("  supplier purchase with no order of ours: ")
    assert lines[1].endswith("API Purchase - PUBG MOBILE GIFT 60 UC")
    assert lines[2].startswith(f"  completed order with no supplier transaction: {ours.transaction_id}")
    assert lines[-1] == "mismatches found"


def test_reconcile_gamesdrop_refuses_a_bad_date(sandbox):
    with pytest.raises(CommandError, match="expected a date as YYYY-MM-DD"):
        call_command("reconcile_gamesdrop", "--since", "yesterday")


@pytest.mark.parametrize("since", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_reconcile_gamesdrop_refuses_a_date_out_of_range_in_one_line(sandbox, since):
    with pytest.raises(CommandError) as refused:
        call_command("reconcile_gamesdrop", "--since", since)

    assert str(refused.value) == f"--since {since}: expected a date from 2000-01-01 to today"
