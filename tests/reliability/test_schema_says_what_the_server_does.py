"""The OpenAPI schema describes what the server does (make fuzz-schema holds the server to it in CI)."""

from __future__ import annotations

import re

import pytest

from catalog.api.schema import WIRE_DATETIME_PATTERN
from tests.api.factories import GiftFactory, issue_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def schema(api_client):
    response = api_client(None).get("schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_served_datetimes_are_declared_by_their_exact_pattern_not_as_date_time(schema, api_client):
    GiftFactory()
    gift = schema["components"]["schemas"]["Gift"]["properties"]

    served = api_client(issue_key()).get("gift/").json()[0]

    for name in ("start_time", "removal_time"):
        assert "format" not in gift[name]
        assert gift[name]["pattern"] == WIRE_DATETIME_PATTERN
        assert re.match(WIRE_DATETIME_PATTERN, served[name])


def test_the_schema_refuses_what_the_server_refuses(schema):
    schemas = schema["components"]["schemas"]

    for name in ("GiftCreate", "GiftUpdate", "PatchedGiftUpdate", "GiftBulkUpdateItem"):
        assert schemas[name]["additionalProperties"] is False
        assert schemas[name]["properties"]["description_en"]["maxLength"] == 5000
    assert schemas["GiftCreate"]["properties"]["name_ro"]["minLength"] == 1
    assert schemas["GiftBulkUpdateItem"]["properties"]["id"]["minimum"] == 1
    assert schemas["Gift"]["properties"]["id"]["minimum"] == 1
    path_id = schema["paths"]["/external/gift/{id}/"]["get"]["parameters"][0]
    assert (path_id["name"], path_id["schema"]["minimum"]) == ("id", 1)
    bulk = schema["paths"]["/external/gift/bulk-create/"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    assert bulk["schema"]["maxItems"] == 1000
