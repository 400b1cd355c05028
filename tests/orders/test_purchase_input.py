"""The purchase doors' input is checked by one service validator each, the same for the admin forms and
the commands: the amount paid (plain digits that fit the column), the gift's message text (the admin's
length limit), the customer's e-mail and player id (no control characters). Bad input is a clear error
and creates nothing."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from giftoffice.sandbox.models import GamesDropOrder, GiftlySentGift
from orders.models import Campaign, Sale
from orders.services import campaigns, gamesdrop, selling
from orders.services.giftly import TEXT_MAX
from orders.services.sales import SaleInputError, parse_paid
from tests.api.factories import GiftFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clerk(django_user_model) -> Client:
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["orders", "catalog"],
            codename__in=["view_telegramgift", "add_campaign", "view_gift", "add_supplierorder"],
        )
    )
    client = Client()
    client.force_login(user)
    return client


def nothing_created() -> bool:
    return (Sale.objects.count(), Campaign.objects.count(), GamesDropOrder.objects.count()) == (0, 0, 0)


# --- the amount paid ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("1e25", "is not a plain number"),
        ("1E2", "is not a plain number"),
        ("inf", "is not a plain number"),
        ("NaN", "is not a plain number"),
        ("1_000", "is not a plain number"),
        ("１２", "is not a plain number"),  # noqa: RUF001 (fullwidth digits, on purpose)
        ("1" * 22, "is too large: at most 21 digits before the decimal point"),
    ],
)
def test_an_amount_paid_that_is_not_plain_digits_or_does_not_fit_is_refused(amount, error):
    with pytest.raises(SaleInputError, match=error):
        parse_paid(amount=amount, currency="USD")


def test_the_largest_amount_paid_that_fits_the_column_is_taken():
    largest = "9" * 21 + "." + "9" * 9

    assert str(parse_paid(amount=largest, currency="usd")[0]) == largest


def test_send_telegram_gift_paid_1e25_is_one_clear_error_and_creates_nothing(sandbox, teddy):
    with pytest.raises(CommandError, match=r"amount paid '1e25' is not a plain number"):
        call_command("send_telegram_gift", teddy.gift_id, "7", "--paid", "1e25", "USD", stdout=io.StringIO())

    assert nothing_created()
    assert GiftlySentGift.objects.count() == 0


def test_the_send_form_refuses_an_amount_of_1e25_and_creates_nothing(clerk, teddy):
    page = clerk.post(
        f"/en/admin/catalog/telegramgift/{teddy.pk}/send/",
        {
            "recipients": "7",
            "amount_paid": "1e25",
            "currency": "USD",
            "confirm": "yes",
            "confirmation": "t-1",
        },
    )

    assert page.status_code == 200
    assert "is not a plain number" in page.content.decode()
    assert nothing_created()


def test_the_sell_form_refuses_an_amount_too_large_for_the_column_and_creates_nothing(clerk, teddy):
    gift = GiftFactory(telegram_gift=teddy)

    page = clerk.post(
        f"/en/admin/catalog/gift/{gift.pk}/sell/",
        {"recipient_id": "7", "amount_paid": "1" * 25, "currency": "USD", "confirmation": "t-2"},
    )

    assert page.status_code == 200
    assert "is too large" in page.content.decode()
    assert nothing_created()


def test_the_buy_form_refuses_an_amount_with_an_exponent_and_creates_nothing(clerk, offers):
    offer = offers(999)

    page = clerk.post(
        f"/en/admin/catalog/offer/{offer.pk}/buy/",
        {"amount_paid": "1e2", "currency": "USD", "confirm": "yes", "confirmation": "t-3"},
    )

    assert page.status_code == 200
    assert "is not a plain number" in page.content.decode()
    assert nothing_created()


# --- the message text -----------------------------------------------------------------------------------


def test_send_telegram_gift_refuses_a_text_longer_than_the_admin_allows(sandbox, teddy):
    with pytest.raises(CommandError, match=f"the message text is 100000 characters long; at most {TEXT_MAX}"):
        call_command("send_telegram_gift", teddy.gift_id, "7", "--text", "x" * 100_000, stdout=io.StringIO())

    assert nothing_created()
    assert GiftlySentGift.objects.count() == 0


def test_a_text_of_exactly_the_limit_is_sent(sandbox, teddy):
    call_command("send_telegram_gift", teddy.gift_id, "7", "--text", "x" * TEXT_MAX, stdout=io.StringIO())

    assert GiftlySentGift.objects.get().text == "x" * TEXT_MAX


def test_every_service_door_of_a_giftly_send_refuses_a_text_over_the_limit(teddy):
    text = "x" * (TEXT_MAX + 1)

    with pytest.raises(SaleInputError, match="at most 1000"):
        campaigns.preview_campaign(telegram_gift=teddy, recipients=["7"], text=text)
    with pytest.raises(SaleInputError, match="at most 1000"):
        selling.sell_telegram_gift(gift=GiftFactory(telegram_gift=teddy), recipient_id=7, text=text)
    assert nothing_created()


# --- the customer's e-mail and player id ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--game-user-id", "52357322414", "--email", "not-an-email"],
            "'not-an-email' is not a valid e-mail",
        ),
        (["--game-user-id", "5235732\x1b[2J2414"], "game user id: control characters are not allowed"),
        (["--game-user-id", "52357322414\u202e"], "game user id: control characters are not allowed"),
        (["--game-user-id", "9" * 65], "game user id: at most 64 characters"),
        (
            ["--game-user-id", "52357322414", "--telegram-username", "@user\x00"],
            "Telegram @username: control characters are not allowed",
        ),
    ],
)
def test_buy_offer_refuses_a_bad_email_or_player_id_and_buys_nothing(offers, calls, args, error):
    offers(101)

    with pytest.raises(CommandError, match=error.replace("[", r"\[")):
        call_command("buy_offer", "101", *args, stdout=io.StringIO())

    assert nothing_created()
    assert sum(calls.values()) == 0  # refused before any call to GamesDrop


def test_the_buy_form_refuses_control_characters_in_the_player_id_with_the_same_message(clerk, offers):
    offer = offers(101)

    page = clerk.post(
        f"/en/admin/catalog/offer/{offer.pk}/buy/", {"game_user_id": "52357322414\x07", "check": "yes"}
    )

    assert "game user id: control characters are not allowed" in page.content.decode()
    assert nothing_created()


def test_the_buy_form_refuses_a_bad_email_with_the_service_message(clerk, offers):
    offer = offers(999)

    page = clerk.post(f"/en/admin/catalog/offer/{offer.pk}/buy/", {"email": "not-an-email", "check": "yes"})

    assert "&#x27;not-an-email&#x27; is not a valid e-mail address" in page.content.decode()


def test_a_valid_customer_is_taken_stripped():
    customer = gamesdrop.check_customer(
        game_user_id=" 52357322414 ", email=" user@example.com ", telegram_username=""
    )

    assert customer == gamesdrop.CustomerInput(
        game_user_id="52357322414", email="user@example.com", telegram_username=None
    )
