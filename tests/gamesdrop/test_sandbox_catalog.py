"""The generated GamesDrop sandbox catalog: deterministic, any size, filtered without storing rows."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from giftoffice.sandbox.providers import gamesdrop_catalog as catalog
from giftoffice.sandbox.providers import gamesdrop_state
from giftoffice.sandbox.providers.gamesdrop_catalog import Overrides


def test_catalog_has_the_configured_size_with_every_fixed_offer(settings):
    settings.SANDBOX_GAMESDROP_OFFERS = 100

    ids = list(catalog.visible_ids(profile="MIXED"))

    assert len(ids) == 100
    assert ids == sorted(set(ids))
    assert set(catalog.FIXED_IDS) <= set(ids)
    assert ids[len(catalog.FIXED_IDS) :] == list(range(1002, 1002 + 100 - len(catalog.FIXED_IDS)))


def test_a_size_below_the_fixed_offers_still_lists_them(settings):
    settings.SANDBOX_GAMESDROP_OFFERS = 3

    assert list(catalog.visible_ids(profile="MIXED")) == list(catalog.FIXED_IDS)


def test_a_100000_offer_catalog_is_paged_by_index_without_a_list(settings):
    settings.SANDBOX_GAMESDROP_OFFERS = 100_000

    ids = catalog.visible_ids(profile="MIXED")

    assert not isinstance(ids, list | tuple)  # positions computed, not stored
    assert len(ids) == 100_000
    assert ids[95_000:95_003] == [ids[95_000], ids[95_001], ids[95_002]] == [95_985, 95_986, 95_987]
    assert ids[-1] == 100_984
    assert ids[100_000:100_010] == []


def test_fast_sync_rows_equal_the_full_offer_rows():
    for offer_id in range(1002, 1002 + 2000):
        assert catalog.generated_row(offer_id) == catalog.generated(offer_id).sync_row()


def test_generation_is_deterministic_and_varied():
    rows = [catalog.generated_row(i) for i in range(1002, 1402)]

    assert rows == [catalog.generated_row(i) for i in range(1002, 1402)]
    assert {r["settlementMethod"] for r in rows} == {"FIAT", "USDT", "MIXED"}
    assert {r["category"] for r in rows} == {"Top Up", "Gift Cards"}
    assert {r["inStock"] for r in rows} == {True, False}
    assert len({(r["productName"], r["offerGroupName"]) for r in rows}) == 400


@pytest.mark.parametrize(("profile", "allowed"), [("USDT", {"USDT", "MIXED"}), ("FIAT", {"FIAT", "MIXED"})])
def test_profiles_see_only_compatible_offers(settings, profile, allowed):
    settings.SANDBOX_GAMESDROP_OFFERS = 500

    ids = catalog.visible_ids(profile=profile)

    assert 0 < len(ids) < 500
    assert {catalog.offer_by_id(i).settlement for i in ids} == allowed


def test_hidden_and_repriced_offers(settings):
    settings.SANDBOX_GAMESDROP_OFFERS = 100
    changes = Overrides(hidden=frozenset({1003}), prices={1001: Decimal("600.00")})

    ids = catalog.visible_ids(profile="MIXED", overrides=changes)

    assert 1003 not in ids
    assert len(ids) == 99
    assert catalog.offer_by_id(1003, overrides=changes) is None
    assert catalog.offer_by_id(1001, overrides=changes).price == Decimal("600.00")


def test_category_names_and_aliases():
    assert [
        catalog.canonical_category(c) for c in ("TOP_UP", "top up", "GIFT_CARD", "Gift Cards", "Toys")
    ] == [
        "Top Up",
        "Top Up",
        "Gift Cards",
        "Gift Cards",
        None,
    ]


def test_usd_cost_uses_the_fixed_sandbox_rates():
    assert catalog.FIXED_OFFERS[1001].usd_cost() == Decimal("6.16")  # 560.10 RUB
    assert catalog.FIXED_OFFERS[999].usd_cost() == Decimal("0.05")  # 23.09 KZT
    assert catalog.FIXED_OFFERS[951].price == Decimal("0.77")  # 100 Stars, as in the guide


@pytest.mark.django_db
def test_set_account_rejects_an_unknown_profile():
    with pytest.raises(ValueError, match="unknown balance profile"):
        gamesdrop_state.set_account(profile="GOLD")


@pytest.mark.django_db
def test_staff_drill_command_sets_the_account_and_offers():
    out = io.StringIO()

    call_command(
        "sandbox_gamesdrop",
        "--balance", "12.50", "--profile", "USDT", "--postpaid", "--hide", "1003",
        "--price", "1001", "600.00", "--out-of-stock", "999",
        stdout=out,
    )  # fmt: skip

    assert out.getvalue().splitlines() == [
        "account: partner 123: 12.50 USD (USDT) (postpaid)",
        "offer 999: out of stock",
        "offer 1001: price 600.00",
        "offer 1003: hidden",
    ]
    assert gamesdrop_state.find_offer(1001).price == Decimal("600.00")


@pytest.mark.django_db
def test_staff_drill_command_refuses_a_bad_number():
    with pytest.raises(CommandError, match="sandbox_gamesdrop: not a number"):
        call_command("sandbox_gamesdrop", "--balance", "lots")


def test_sandbox_order_statuses_follow_the_transitions_table():
    from giftoffice.sandbox.models import GamesDropOrder
    from giftoffice.transitions import InvalidTransition

    done = GamesDropOrder(status="COMPLETED")

    with pytest.raises(InvalidTransition, match="GamesDropOrder: cannot move from COMPLETED to PROCESSING"):
        gamesdrop_state._move(done, "PROCESSING")
