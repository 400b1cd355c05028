"""Splitting gifts by the catalog's rules (gift_input.stored_gift_errors) before they leave for a partner
site: the push plan in the admin and the push command send only gifts the site would accept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.models import Gift
from catalog.services.gift_input import gift_errors


@dataclass(frozen=True)
class BrokenGift:
    gift_id: int
    label: str
    problems: dict[str, list[str]]  # {field: [English messages]}, as the API words them

    def line(self) -> str:
        text = "; ".join(
            f"{field}: {message}" for field, messages in self.problems.items() for message in messages
        )
        name = "" if self.label == f"#{self.gift_id}" else f" {self.label}"  # a nameless gift shows as #id
        return f"#{self.gift_id}{name}: {text}"


def split_by_rules(gifts: Iterable[Gift]) -> tuple[list[Gift], list[BrokenGift]]:
    """(gifts keeping every rule, gifts breaking one with what they break), in the given order."""
    valid, broken = [], []
    for gift in gifts:
        if problems := gift_errors(gift):
            broken.append(BrokenGift(gift.pk, str(gift), problems))
        else:
            valid.append(gift)
    return valid, broken
