from decimal import Decimal

import pytest

from catalog.models import Offer
from catalog.models.offers import supplier_above_retail_q
from tests.gamesdrop.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_fixed_retail_price_wins_over_any_markup(settings):
    settings.OFFER_DEFAULT_MARKUP_PERCENT = "15"
    offer = OfferFactory.build(
        supplier_price=Decimal("8.00"), retail_price=Decimal("10.00"), markup_percent=Decimal("50")
    )

    assert (offer.effective_retail_price, offer.margin, offer.margin_percent) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("20.0"),
    )


def test_offer_markup_then_default_markup_then_no_price(settings):
    settings.OFFER_DEFAULT_MARKUP_PERCENT = "15"
    own = OfferFactory.build(supplier_price=Decimal("560.1000"), markup_percent=Decimal("10"))
    default = OfferFactory.build(supplier_price=Decimal("560.1000"))

    assert own.effective_retail_price == Decimal("616.11")
    assert default.effective_retail_price == Decimal("644.12")  # 644.115 rounds half up
    settings.OFFER_DEFAULT_MARKUP_PERCENT = ""
    assert (default.effective_retail_price, default.margin, default.supplier_above_retail) == (
        None,
        None,
        False,
    )


def test_supplier_price_above_retail_is_flagged_in_python_and_in_queries():
    below = OfferFactory(supplier_price=Decimal("12"), retail_price=Decimal("10"))
    negative_markup = OfferFactory(supplier_price=Decimal("12"), markup_percent=Decimal("-5"))
    fine = OfferFactory(supplier_price=Decimal("12"), retail_price=Decimal("13"))

    assert [
        below.supplier_above_retail,
        negative_markup.supplier_above_retail,
        fine.supplier_above_retail,
    ] == [
        True,
        True,
        False,
    ]
    assert set(Offer.objects.filter(supplier_above_retail_q())) == {below, negative_markup}


def test_every_save_moves_updated_at_even_with_update_fields():
    offer = OfferFactory()
    first = offer.updated_at

    offer.retail_price = Decimal("20")
    offer.save(update_fields=["retail_price"])

    offer.refresh_from_db()
    assert offer.updated_at > first
    assert offer.retail_price == Decimal("20")


def test_a_retail_price_in_another_currency_than_the_supplier_has_no_margin_and_is_flagged():
    offer = OfferFactory(supplier_price=Decimal("9"), retail_price=Decimal("700"), currency="RUB")
    same = OfferFactory(supplier_price=Decimal("9"), retail_price=Decimal("10"), currency="USD")
    Offer.objects.filter(pk=offer.pk).update(currency="USD")  # the supplier moved it (sync)
    offer.refresh_from_db()

    assert (offer.retail_currency, offer.effective_retail_currency, offer.currency) == ("RUB", "RUB", "USD")
    assert (offer.margin, offer.supplier_above_retail, same.supplier_above_retail) == (None, True, False)
    assert set(Offer.objects.filter(supplier_above_retail_q())) == {offer}


def test_clearing_the_retail_price_clears_its_currency():
    offer = OfferFactory(retail_price=Decimal("10"))
    offer.retail_price = None
    offer.save(update_fields=["retail_price"])

    assert Offer.objects.values_list("retail_price", "retail_currency").get(pk=offer.pk) == (None, "")
