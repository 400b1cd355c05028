"""The margin guard compares one currency: our retail price keeps the currency it was set in, and when
GamesDrop moves an offer to another currency its price is converted (ExchangeRate) before comparing;
without a rate the purchase is refused. Over real HTTP against the sandbox."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Offer, OfferPriceChange
from giftoffice.sandbox.providers import gamesdrop_state
from orders.models import ExchangeRate, SupplierOrder
from orders.services.gamesdrop import PurchaseRefused, check_purchase, place_order

pytestmark = pytest.mark.django_db(transaction=True)


def retailed_at_700_rub_now_9_usd(offers) -> Offer:
    """An offer synced while GamesDrop priced it in RUB and retailed by staff at 700 RUB; GamesDrop's
    find-one now answers 9 USD (the sandbox prices offer 970 in USD)."""
    offer = offers(970)
    Offer.objects.filter(pk=offer.pk).update(currency="RUB", supplier_price=Decimal("600"))
    offer.refresh_from_db()
    offer.retail_price = Decimal("700")
    offer.save(update_fields=["retail_price"])
    gamesdrop_state.set_offer(970, price="9")
    return offer


def rate(from_currency: str, to_currency: str, value: str) -> ExchangeRate:
    return ExchangeRate.objects.create(
        from_currency=from_currency,
        to_currency=to_currency,
        rate=Decimal(value),
        valid_from=timezone.now() - timedelta(days=1),
    )


def test_a_retail_price_keeps_the_currency_it_was_set_in(offers):
    offer = retailed_at_700_rub_now_9_usd(offers)

    assert (offer.retail_price, offer.retail_currency) == (Decimal("700.00"), "RUB")


@pytest.mark.parametrize(
    ("pair", "value"),
    [(("USD", "RUB"), "100"), (("RUB", "USD"), "0.01")],  # 9 USD = 900 RUB, either direction stored
)
def test_a_supplier_price_in_a_new_currency_above_retail_is_refused_without_the_override(
    offers, django_user_model, pair, value
):
    offer = retailed_at_700_rub_now_9_usd(offers)
    rate(*pair, value)

    check = check_purchase(offer=offer)

    with pytest.raises(PurchaseRefused) as refused:
        place_order(check=check)
    assert str(refused.value) == (
        "GamesDrop's price 9 USD (900.00 RUB at the current rate) is above our retail price 700.00 RUB: "
        "buying would lose money"
    )
    assert (check.price, check.currency, check.retail, check.retail_currency) == (
        Decimal("9"),
        "USD",
        Decimal("700.00"),
        "RUB",
    )
    assert (check.cost, check.margin, check.above_retail) == (Decimal("900.00"), Decimal("-200.00"), True)
    assert SupplierOrder.objects.count() == 0
    boss = django_user_model.objects.create_superuser("boss")
    assert place_order(check=check, user=boss, override_margin=True).currency == "USD"


def test_a_supplier_price_in_a_new_currency_below_retail_is_bought(offers):
    offer = retailed_at_700_rub_now_9_usd(offers)
    rate("USD", "RUB", "70")

    check = check_purchase(offer=offer)

    assert (check.cost, check.margin, check.above_retail) == (Decimal("630.00"), Decimal("70.00"), False)
    assert place_order(check=check).price == Decimal("9")


def test_without_a_rate_between_the_currencies_the_purchase_is_refused(offers):
    offer = retailed_at_700_rub_now_9_usd(offers)
    rate("USD", "TON", "0.2")  # a rate, but not of this pair

    with pytest.raises(PurchaseRefused) as refused:
        check_purchase(offer=offer)

    assert str(refused.value).startswith(
        "GamesDrop now prices this offer in USD but our retail price is in RUB, and there is no exchange "
        "rate to compare them (no USD->RUB rate at "
    )
    assert str(refused.value).endswith("): import the rate or set the retail price again")
    assert SupplierOrder.objects.count() == 0


def test_the_currency_change_seen_by_the_check_is_a_price_alert(offers):
    offer = retailed_at_700_rub_now_9_usd(offers)

    with pytest.raises(PurchaseRefused):
        check_purchase(offer=offer)

    offer.refresh_from_db()
    change = OfferPriceChange.objects.get(offer=offer)
    assert (change.old_price, change.old_currency, change.new_price, change.currency) == (
        Decimal("600"),
        "RUB",
        Decimal("9"),
        "USD",
    )
    assert (change.change_percent, change.alert, change.source) == (None, True, "refresh")
    assert (offer.price_alert, offer.currency, offer.retail_currency) == (True, "USD", "RUB")
    assert (offer.margin, offer.supplier_above_retail) == (None, True)
    assert Offer.objects.filter(pk=offer.pk, price_alert=True).exists()
