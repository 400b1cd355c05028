# ruff: noqa: RUF001  (Russian text from the spec)
"""The Tribute products simulator, example by example from tribute-products.md, over real HTTP."""

from datetime import UTC, datetime

import pytest
import requests

from giftoffice.integrations.base import AuthError, RejectedError
from giftoffice.integrations.tribute import TributeClient, TributeProduct
from giftoffice.sandbox.models import TributeSandboxProduct

pytestmark = pytest.mark.django_db(transaction=True)

# The spec's example product, copied from the document.
SPEC_PRODUCT = {
    "id": 2548,
    "type": "digital",
    "name": "Доступ к VPN на 1 месяц",
    "description": "Высокоскоростной VPN-сервис с неограниченным трафиком и 50+ серверами по всему миру",
    "amount": 499,
    "currency": "usd",
    "starsAmount": 100,
    "starsAmountEnabled": True,
    "status": "approved",
    "isCustom": False,
    "acceptCards": True,
    "acceptWalletPay": False,
    "protectContent": True,
    "created": "2025-08-25T10:30:00Z",
    "updated": "2025-08-25T10:30:00Z",
    "pendingOrders": 3,
    "imageUrl": "https://cdn.example.com/image.jpg",
    "link": "https://t.me/tribute_bot/app?startapp=pf6",
    "webLink": "https://web.tribute.tg/p/f6",
}


def get(sandbox, path, headers, **params):
    return requests.get(f"{sandbox}/tribute/api/v1/{path}", headers=headers, params=params, timeout=5)


def test_product_by_id_answers_the_spec_example_field_for_field(sandbox, tribute_headers):
    response = get(sandbox, "products/2548", tribute_headers)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == SPEC_PRODUCT


def test_client_reads_the_spec_example_into_a_typed_product(sandbox):
    product = TributeClient().get_product(2548)

    assert product == TributeProduct(
        id=2548,
        type="digital",
        name="Доступ к VPN на 1 месяц",
        description="Высокоскоростной VPN-сервис с неограниченным трафиком и 50+ серверами по всему миру",
        amount=499,
        currency="usd",
        stars_amount=100,
        stars_amount_enabled=True,
        status="approved",
        is_custom=False,
        accept_cards=True,
        accept_wallet_pay=False,
        protect_content=True,
        created=datetime(2025, 8, 25, 10, 30, tzinfo=UTC),
        updated=datetime(2025, 8, 25, 10, 30, tzinfo=UTC),
        pending_orders=3,
        image_url="https://cdn.example.com/image.jpg",
        link="https://t.me/tribute_bot/app?startapp=pf6",
        web_link="https://web.tribute.tg/p/f6",
    )


def test_list_has_rows_in_the_product_shape_and_meta_with_a_one_based_offset(sandbox, tribute_headers):
    body = get(sandbox, "products", tribute_headers, page=2, size=10).json()

    assert set(body) == {"rows", "meta"}
    assert body["meta"] == {"total": 123, "offset": 11, "limit": 10}
    assert [row["id"] for row in body["rows"]] == list(range(2511, 2521))
    assert all(set(row) == set(SPEC_PRODUCT) for row in body["rows"])


def test_list_defaults_to_page_one_of_twenty_sorted_by_id(sandbox, tribute_headers):
    body = get(sandbox, "products", tribute_headers).json()

    assert body["meta"] == {"total": 123, "offset": 1, "limit": 20}
    assert [row["id"] for row in body["rows"]] == list(range(2501, 2521))


def test_a_one_row_first_page_has_the_offset_and_limit_of_the_spec_example(sandbox, tribute_headers):
    body = get(sandbox, "products", tribute_headers, page=1, size=1).json()

    assert (body["meta"]["offset"], body["meta"]["limit"]) == (1, 1)
    assert [row["id"] for row in body["rows"]] == [2501]


def test_list_desc_sorts_by_id_descending(sandbox, tribute_headers):
    body = get(sandbox, "products", tribute_headers, size=3, desc="true").json()

    assert [row["id"] for row in body["rows"]] == [2623, 2622, 2621]


def test_list_filters_by_type(sandbox, tribute_headers):
    totals = {}
    for kind in ("digital", "custom", "physical"):
        body = get(sandbox, "products", tribute_headers, size=100, type=kind).json()
        assert {row["type"] for row in body["rows"]} == {kind}
        totals[kind] = body["meta"]["total"]

    assert totals == {"digital": 42, "custom": 41, "physical": 40}


def test_client_lists_a_page_with_type_and_desc(sandbox):
    page = TributeClient().list_products(page=1, size=2, type="custom", desc=True)

    assert [p.id for p in page.rows] == [2622, 2619]
    assert (page.total, page.offset, page.limit) == (41, 1, 2)


def test_a_page_past_the_end_is_empty_with_the_real_total(sandbox, tribute_headers):
    body = get(sandbox, "products", tribute_headers, page=99, size=100).json()

    assert body == {"rows": [], "meta": {"total": 123, "offset": 9801, "limit": 100}}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"size": 0}, "size must be an integer between 1 and 100"),
        ({"size": 101}, "size must be an integer between 1 and 100"),
        ({"size": "ten"}, "size must be an integer between 1 and 100"),
        ({"page": 0}, "page must be an integer at least 1"),
        ({"page": "-1"}, "page must be an integer at least 1"),
        ({"type": "gold"}, "type must be one of digital, custom, physical"),
        ({"desc": "maybe"}, "desc must be a boolean"),
    ],
)
def test_list_refuses_bad_query_parameters_with_400(sandbox, tribute_headers, params, message):
    response = get(sandbox, "products", tribute_headers, **params)

    assert (response.status_code, response.json()) == (400, {"message": message})


@pytest.mark.parametrize("path", ["products", "products/2548"])
@pytest.mark.parametrize(
    "headers", [{}, {"Api-Key": "not-the-key"}, {"Authorization": "sandbox-tribute-key"}]
)
def test_missing_or_wrong_api_key_answers_401(sandbox, path, headers):
    response = get(sandbox, path, headers)

    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized: invalid API key"})


def test_client_with_a_wrong_key_raises_auth_error(sandbox):
    with pytest.raises(AuthError) as info:
        TributeClient(api_key="not-the-key").list_products()

    assert str(info.value) == "tribute: Unauthorized: invalid API key (HTTP 401)"


def test_bad_product_id_format_answers_400(sandbox, tribute_headers):
    response = get(sandbox, "products/abc", tribute_headers)
    assert (response.status_code, response.json()) == (400, {"message": "Invalid product id format"})

    with pytest.raises(RejectedError) as info:
        TributeClient().request("GET", "api/v1/products/12x")
    assert (info.value.code, info.value.status) == ("BAD_REQUEST", 400)


def test_product_of_another_seller_answers_403_and_is_never_listed(sandbox, tribute_headers):
    response = get(sandbox, "products/9001", tribute_headers)
    assert (response.status_code, response.json()) == (403, {"message": "Access denied"})

    with pytest.raises(RejectedError) as info:
        TributeClient().get_product(9002)
    assert (info.value.code, info.value.status) == ("FORBIDDEN", 403)

    listed = {row["id"] for row in get(sandbox, "products", tribute_headers, size=100, page=2).json()["rows"]}
    assert listed.isdisjoint({9001, 9002, 9003})
    assert TributeSandboxProduct.objects.filter(forbidden=True).count() == 3


def test_unknown_product_answers_404(sandbox, tribute_headers):
    response = get(sandbox, "products/1", tribute_headers)
    assert (response.status_code, response.json()) == (404, {"message": "Product not found"})

    with pytest.raises(RejectedError) as info:
        TributeClient().get_product(424242)
    assert (info.value.code, info.value.status) == ("NOT_FOUND", 404)
