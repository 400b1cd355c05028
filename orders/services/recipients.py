"""Telegram recipient ids as staff type, paste or upload them: checked before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from orders.services.sales import SaleInputError

__all__ = ["MAX_RECIPIENTS", "Recipients", "parse_recipients", "parse_telegram_id"]

MAX_RECIPIENTS = 10_000
TELEGRAM_ID_MAX = 2**63 - 1  # the BigIntegerField Sale.recipient_id holds


@dataclass
class Recipients:
    ids: list[int] = field(default_factory=list)
    rejected: list[tuple[str, Any]] = field(default_factory=list)  # (as given, why: lazy, translatable)

    def describe_rejected(self, limit: int = 20) -> str:
        """In the active language (the admin); commands wrap it in translation.override("en")."""
        shown = "; ".join(f"{value!r}: {why}" for value, why in self.rejected[:limit])
        more = len(self.rejected) - limit
        return shown + (f"; and {more} more" if more > 0 else "")


def _problem(text: str) -> Any:
    if text.startswith("-") and text[1:].isdigit():
        return _("negative")
    if not text.isdigit() or not text.isascii():
        return _("not numeric")
    if not 0 < int(text) <= TELEGRAM_ID_MAX:
        return _("not a Telegram user id")
    return ""


def parse_telegram_id(value: str) -> int:
    """One Telegram user id: digits only, above zero. SaleInputError says what is wrong."""
    text = str(value).strip()
    problem = _problem(text)
    if problem:
        raise SaleInputError(
            _("%(value)s: %(problem)s; a Telegram user id is a positive number, digits only"),
            value=repr(text),
            problem=problem,
        )
    return int(text)


def parse_recipients(values: Iterable[str], *, limit: int = MAX_RECIPIENTS) -> Recipients:
    """Every non-blank entry checked: the valid ids in order, and each rejected one with its reason
    (not numeric, negative, zero, or a repeat of an earlier one). More than `limit` valid ids is an error."""
    result = Recipients()
    seen: set[int] = set()
    for raw in values:
        text = str(raw).strip()
        if not text:
            continue
        problem = _problem(text)
        if problem:
            result.rejected.append((text, problem))
            continue
        number = int(text)
        if number in seen:
            result.rejected.append((text, _("duplicate")))
            continue
        seen.add(number)
        result.ids.append(number)
    if len(result.ids) > limit:
        raise SaleInputError(
            _("%(count)s recipients; at most %(limit)s at once"), count=len(result.ids), limit=f"{limit:,}"
        )
    return result
