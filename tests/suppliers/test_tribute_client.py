"""Paging through the whole Tribute catalog: over real HTTP for the edge cases, `responses` for bad shapes."""

import pytest
import responses
from django.conf import settings

from giftoffice.integrations.base import BadResponseError
from giftoffice.integrations.tribute import CatalogChangedError, TributeClient
from giftoffice.sandbox.models import TributeSandboxProduct
from giftoffice.sandbox.providers.tribute import ensure_catalog

from .factories import SandboxTributeProductFactory

live = pytest.mark.django_db(transaction=True)


class Pages:
    """Records each on_page call; optionally changes the supplier's catalog after chosen calls."""

    def __init__(self, after=None):
        self.calls: list[tuple[int, int]] = []
        self.after = after or {}

    def __call__(self, fetched: int, total: int) -> None:
        self.calls.append((fetched, total))
        action = self.after.get(len(self.calls))
        if action:
            action()


@live
def test_fetch_all_pages_by_100_through_a_total_that_is_not_a_multiple(sandbox):
    pages = Pages()

    products = TributeClient().fetch_all(on_page=pages)

    assert [p.id for p in products] == list(range(2501, 2624))
    assert pages.calls == [(100, 123), (123, 123)]


@live
def test_fetch_all_with_a_total_that_is_a_multiple_stops_without_an_empty_page(sandbox):
    ensure_catalog()
    TributeSandboxProduct.objects.filter(id__gt=2600).delete()  # 100 left
    pages = Pages()

    products = TributeClient().fetch_all(size=50, on_page=pages)

    assert len(products) == 100
    assert pages.calls == [(50, 100), (100, 100)]


@live
def test_fetch_all_of_an_empty_catalog_is_one_empty_page(sandbox):
    ensure_catalog()
    TributeSandboxProduct.objects.all().delete()
    pages = Pages()

    assert TributeClient().fetch_all(on_page=pages) == []
    assert pages.calls == [(0, 0)]


@live
def test_an_item_vanishing_between_pages_restarts_the_fetch(sandbox):
    # given: after the first page, product 2501 disappears, so every later row shifts one place back
    pages = Pages(after={1: lambda: TributeSandboxProduct.objects.filter(id=2501).delete()})

    products = TributeClient().fetch_all(size=50, on_page=pages)

    ids = [p.id for p in products]
    assert ids == list(range(2502, 2624))  # nothing skipped, nothing duplicated
    # the pass is dropped at the page whose total moved, and starts over from page 1
    assert pages.calls == [(50, 123), (50, 122), (100, 122), (122, 122)]


@live
def test_an_item_appearing_between_pages_restarts_the_fetch(sandbox):
    pages = Pages(after={1: lambda: SandboxTributeProductFactory(id=2500)})

    products = TributeClient().fetch_all(size=100, on_page=pages)

    assert [p.id for p in products] == list(range(2500, 2624))
    assert pages.calls == [(100, 123), (100, 124), (124, 124)]


@live
def test_a_catalog_that_never_holds_still_fails_instead_of_guessing(sandbox):
    ensure_catalog()
    victims = iter(range(2501, 2624))

    def remove_one() -> None:
        TributeSandboxProduct.objects.filter(id=next(victims)).delete()

    # given a product vanishes after the first page of every pass
    pages = Pages(after={1: remove_one, 2: remove_one, 3: remove_one})

    with pytest.raises(CatalogChangedError) as info:
        TributeClient().fetch_all(size=50, on_page=pages, attempts=3)

    assert pages.calls == [(50, 123), (50, 122), (50, 121)]
    assert str(info.value) == (
        "tribute: the catalog changed while paging through it (total 121 -> 120 between pages), "
        "3 passes in a row; try again later"
    )


def page_of(ids: list[int], total: int) -> dict:
    return {"rows": [{**ROW, "id": i} for i in ids], "meta": {"total": total, "offset": 0, "limit": 2}}


@responses.activate
def test_a_product_seen_twice_in_one_pass_restarts_the_fetch():
    # given a pass whose rows shifted so product 2 comes on both pages (the rows exceed the total,
    # but the distinct ids match it), then a clean pass
    for body in (page_of([1, 2], 3), page_of([2, 3], 3), page_of([1, 2], 3), page_of([3], 3)):
        responses.get("https://tribute.test/api/v1/products", json=body)
    pages = Pages()

    products = TributeClient(base_url="https://tribute.test").fetch_all(size=2, on_page=pages)

    assert [p.id for p in products] == [1, 2, 3]
    assert pages.calls == [(2, 3), (4, 3), (2, 3), (3, 3)]
    assert len(responses.calls) == 4


@responses.activate
def test_duplicate_products_in_every_pass_fail_instead_of_being_dropped():
    # given every pass repeats product 2 on its second page
    for _ in range(2):
        responses.get("https://tribute.test/api/v1/products", json=page_of([1, 2], 4))
        responses.get("https://tribute.test/api/v1/products", json=page_of([2, 3], 4))

    with pytest.raises(CatalogChangedError) as info:
        TributeClient(base_url="https://tribute.test").fetch_all(size=2, attempts=2)

    assert str(info.value) == (
        "tribute: the catalog changed while paging through it (4 rows but 3 distinct ids), "
        "2 passes in a row; try again later"
    )
    assert len(responses.calls) == 4


def test_list_refuses_page_sizes_the_api_refuses():
    client = TributeClient(base_url="https://tribute.test")

    for size in (0, 101):
        with pytest.raises(ValueError, match=r"size 1\.\.100"):
            client.list_products(size=size)
    with pytest.raises(ValueError, match="type must be one of"):
        client.list_products(type="gold")


ROW = {
    "id": 1,
    "type": "digital",
    "name": "n",
    "description": "d",
    "amount": 499,
    "currency": "usd",
    "starsAmount": None,
    "starsAmountEnabled": False,
    "status": "approved",
    "isCustom": False,
    "acceptCards": True,
    "acceptWalletPay": False,
    "protectContent": True,
    "created": "2025-08-25T10:30:00Z",
    "updated": "2025-08-25T10:30:00Z",
    "pendingOrders": 0,
    "imageUrl": None,
    "link": "l",
    "webLink": "w",
}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rows": []}, "tribute: product list lacks rows or meta"),
        ([], "tribute: product list is not an object"),
        (
            {"rows": [{**ROW, "amount": 4.99}], "meta": {"total": 1, "offset": 0, "limit": 1}},
            "amount is not an integer",
        ),
        (
            {"rows": [{**ROW, "type": "nft"}], "meta": {"total": 1, "offset": 0, "limit": 1}},
            "unknown type 'nft'",
        ),
        (
            {"rows": [{**ROW, "created": "2025-08-25 10:30"}], "meta": {"total": 1, "offset": 0, "limit": 1}},
            "no time zone",
        ),
        ({"rows": [ROW], "meta": {"total": "1", "offset": 0, "limit": 1}}, "total is not an integer"),
    ],
)
@responses.activate
def test_answers_of_the_wrong_shape_are_bad_responses(body, message):
    responses.get("https://tribute.test/api/v1/products", json=body)

    with pytest.raises(BadResponseError, match=message):
        TributeClient(base_url="https://tribute.test").list_products()


@responses.activate
def test_nullable_fields_are_read_as_empty():
    responses.get(
        "https://tribute.test/api/v1/products",
        json={"rows": [ROW], "meta": {"total": 1, "offset": 0, "limit": 20}},
    )

    product = TributeClient(base_url="https://tribute.test").list_products().rows[0]

    assert (product.stars_amount, product.image_url, product.amount) == (None, "", 499)
    assert responses.calls[0].request.headers["Api-Key"] == settings.TRIBUTE_API_KEY
