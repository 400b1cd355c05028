"""The Giftly simulator, from giftly.md, over real HTTP (raw requests and the client)."""

from decimal import Decimal

import pytest
import requests
from django.conf import settings

from giftoffice.integrations.base import AuthError, OutcomeUnknownError, RejectedError
from giftoffice.integrations.giftly import GiftAccepted, GiftlyClient, GiftOrder
from giftoffice.sandbox.models import Fault, GiftlyAccount, GiftlySentGift
from giftoffice.sandbox.providers.giftly import account

pytestmark = pytest.mark.django_db(transaction=True)

# The document's example: send_gift("1234567890", "5170145012310081615", token) with the default text.
SPEC_TEXT = "Привет, я отдаю тебе выигрыш с бот!"  # noqa: RUF001
SPEC_GIFT_TABLE = {
    "5170233102089322756": 15,
    "5170145012310081615": 15,
    "5168103777563050263": 25,
    "5170250947678437525": 25,
    "6028601630662853006": 50,
    "5170564780938756245": 50,
    "5170314324215857265": 50,
    "5170144170496491616": 50,
    "5168043875654172773": 100,
    "5170690322832818290": 100,
    "5170521118301225164": 100,
}


@pytest.fixture(autouse=True)
def opening_balance(settings):
    settings.SANDBOX_GIFTLY_BALANCE_RUB = "10000"


def buy(sandbox, body):
    return requests.post(
        f"{sandbox}/giftly/api/v1/giftly/buyGift",
        json=body,
        headers={"Accept": "application/json"},
        timeout=5,
    )


def balance() -> Decimal:
    return account().balance_rub  # created with the configured opening balance if no gift was sent


def test_spec_example_is_accepted_with_201_recorded_and_debited(sandbox):
    response = buy(
        sandbox,
        {
            "recipient": "1234567890",
            "gift_id": "5170145012310081615",
            "text": SPEC_TEXT,
            "token": settings.GIFTLY_TOKEN,
        },
    )

    gift = GiftlySentGift.objects.get()
    assert response.status_code == 201
    assert response.json() == {"success": True, "message": "Gift queued for delivery", "id": gift.pk}
    assert (gift.recipient, gift.gift_id, gift.text, gift.price_rub) == (
        "1234567890",
        "5170145012310081615",
        SPEC_TEXT,
        Decimal(15),
    )
    assert balance() == Decimal(10000 - 15)


def test_client_buys_a_gift_and_gets_the_giftly_id(sandbox):
    accepted = GiftlyClient().buy_gift(GiftOrder(recipient="987654321", gift_id="5168043875654172773"))

    gift = GiftlySentGift.objects.get()
    assert accepted == GiftAccepted(id=str(gift.pk), message="Gift queued for delivery")
    assert gift.text == SPEC_TEXT  # the default greeting when no text is sent
    assert gift.balance_after_rub == Decimal(9900)


def test_each_of_the_eleven_gifts_is_accepted_at_its_table_price(sandbox):
    client = GiftlyClient()

    for gift_id in SPEC_GIFT_TABLE:
        client.buy_gift(GiftOrder(recipient="555", gift_id=gift_id, text="hi"))

    recorded = {g.gift_id: g.price_rub for g in GiftlySentGift.objects.all()}
    assert recorded == {gift_id: Decimal(price) for gift_id, price in SPEC_GIFT_TABLE.items()}
    assert balance() == Decimal(10000 - 580)


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token_answers_401_token_is_required(sandbox, token):
    body = {"recipient": "1234567890", "gift_id": "5170145012310081615"}
    if token is not None:
        body["token"] = token

    response = buy(sandbox, body)

    assert (response.status_code, response.json()) == (401, {"message": "Token is required"})
    assert GiftlySentGift.objects.count() == 0


def test_unknown_token_answers_401_and_the_client_raises_auth_error(sandbox):
    response = buy(sandbox, {"recipient": "1", "gift_id": "5170145012310081615", "token": "nope"})
    assert (response.status_code, response.json()) == (401, {"message": "Invalid token"})

    with pytest.raises(AuthError) as info:
        GiftlyClient(token="nope").buy_gift(GiftOrder(recipient="1", gift_id="5170145012310081615"))
    assert str(info.value) == "giftly: Invalid token (HTTP 401)"
    assert GiftlySentGift.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"gift_id": "123"}, "Unknown gift_id"),
        ({"gift_id": None}, "gift_id is required"),
        ({"recipient": "@durov"}, "recipient must be a numeric Telegram user id"),
        ({"recipient": "12.5"}, "recipient must be a numeric Telegram user id"),
        ({"recipient": None}, "recipient is required"),
        ({"text": 5}, "text must be a string"),
    ],
)
def test_invalid_fields_answer_400_with_a_message(sandbox, change, message):
    body = {"recipient": "1234567890", "gift_id": "5170145012310081615", "token": settings.GIFTLY_TOKEN}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}

    response = buy(sandbox, body)

    assert (response.status_code, response.json()) == (400, {"message": message})
    assert GiftlySentGift.objects.count() == 0


def test_unknown_gift_is_a_rejection_with_its_code(sandbox):
    with pytest.raises(RejectedError) as info:
        GiftlyClient().buy_gift(GiftOrder(recipient="1234567890", gift_id="42"))

    assert (info.value.code, info.value.status, info.value.message) == (
        "INVALID_GIFT",
        400,
        "Unknown gift_id",
    )


def test_recipient_who_never_wrote_to_the_bot_is_refused_and_nothing_is_debited(sandbox):
    with pytest.raises(RejectedError) as info:
        GiftlyClient().buy_gift(GiftOrder(recipient="777404", gift_id="5170145012310081615"))

    assert (info.value.code, info.value.status) == ("RECIPIENT_UNKNOWN", 400)
    assert info.value.message == "Recipient has not started the bot: the user must write to the bot first"
    assert GiftlySentGift.objects.count() == 0
    assert balance() == Decimal(10000)


def test_insufficient_rub_balance_is_refused_and_the_balance_kept(sandbox):
    GiftlyAccount.objects.create(pk=1, balance_rub=Decimal(20))
    client = GiftlyClient()

    with pytest.raises(RejectedError) as info:
        client.buy_gift(GiftOrder(recipient="1", gift_id="5168103777563050263"))  # 25 RUB
    client.buy_gift(GiftOrder(recipient="1", gift_id="5170233102089322756"))  # 15 RUB

    assert (info.value.code, info.value.message) == ("INSUFFICIENT_BALANCE", "Insufficient balance")
    assert balance() == Decimal(5)
    assert list(GiftlySentGift.objects.values_list("gift_id", flat=True)) == ["5170233102089322756"]


def test_buy_gift_is_sent_once_never_retried(sandbox, control):
    # given two armed 500s: a retrying client would consume both
    control.arm(provider="giftly", kind="http_500", count=2)

    with pytest.raises(OutcomeUnknownError):
        GiftlyClient(max_retries=3).buy_gift(GiftOrder(recipient="1", gift_id="5170145012310081615"))

    assert Fault.objects.get().remaining == 1


def test_only_post_is_served(sandbox):
    response = requests.get(f"{sandbox}/giftly/api/v1/giftly/buyGift", timeout=5)

    assert (response.status_code, response.json()) == (405, {"message": "Method not allowed"})
