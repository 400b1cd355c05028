"""A gift's payload on a partner site: the document's wire format, only the site's languages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import orjson

from catalog.models import Gift
from catalog.selectors.gift_wire import gift_payloads, media_url_prefix
from giftoffice.integrations.partner import WireValue


def render_gifts(gifts: Iterable[Gift], *, languages: Sequence[str]) -> dict[int, dict[str, WireValue]]:
    """Gift id -> its payload in the document's wire format, only the site's languages, no `id`.

    The same renderer as our own /external/gift/ API (one wire format everywhere); icon/image URLs are
    absolute under PUBLIC_BASE_URL, empty values are null as the document's examples show them.
    """
    payloads = gift_payloads(
        [gift.pk for gift in gifts], media_prefix=media_url_prefix(), include_id=True, languages=languages
    )
    return {payload.pop("id"): payload for payload in payloads}


def render_gift(gift: Gift, *, languages: Sequence[str]) -> dict[str, WireValue]:
    return render_gifts([gift], languages=languages)[gift.pk]


def fingerprint(payload: dict[str, WireValue]) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()
