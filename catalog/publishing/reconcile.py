"""After a bulk-create whose answer was lost: which of the site's gifts are the copies we created.

A remote gift is adopted as ours only when both hold:
- it was created after our attempt: its id is above the highest id the site held before we sent
  (recorded on the publication with the intent to create, before sending);
- its content equals what we sent (every key of our payload; datetimes compared as instants, empty
  compared as empty).
A gift that matches on our default-language name but fails either rule is the partner's own, or ours
edited since: never linked by guessing, the item is reported for staff. Ids are taken lowest first
(bulk-create keeps input order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.gift_fields import DEFAULT_NAME_KEY
from catalog.publishing.plan import PlanItem
from giftoffice.integrations.partner import RemoteGift, WireValue, read_remote_datetime

TIME_KEYS = frozenset({"start_time", "removal_time"})


@dataclass
class Reconciliation:
    """(item, remote id) adopted; items to create again; (item, reason) for staff to decide."""

    adopted: list[tuple[PlanItem, int]] = field(default_factory=list)
    to_create: list[PlanItem] = field(default_factory=list)
    for_staff: list[tuple[PlanItem, str]] = field(default_factory=list)


def highest_id(remote: Iterable[RemoteGift]) -> int:
    return max((gift.id for gift in remote), default=0)


def same_content(sent: Mapping[str, WireValue], remote: Mapping[str, Any]) -> bool:
    """Whether the remote gift holds exactly what we sent (keys the site did not answer are empty)."""
    for key, value in sent.items():
        theirs = remote.get(key)
        if key in TIME_KEYS:
            if read_remote_datetime(value) != read_remote_datetime(theirs):
                return False
        elif _empty(value) != _empty(theirs):
            return False
    return True


def _empty(value: Any) -> Any:
    if value is None or value == "":
        return None
    return value.strip() if isinstance(value, str) else value


def _name(fields: Mapping[str, Any]) -> str | None:
    name = fields.get(DEFAULT_NAME_KEY)
    return name.strip() if isinstance(name, str) else None


def reconcile(
    items: Sequence[PlanItem], *, remote: Sequence[RemoteGift], taken: set[int], above: dict[int, int | None]
) -> Reconciliation:
    """Decide per item (gift id -> `above`: the highest remote id before its create was sent).

    `taken` are the remote ids already linked to our gifts on this site.
    """
    result = Reconciliation()
    free = sorted((gift for gift in remote if gift.id not in taken), key=lambda gift: gift.id)
    used: set[int] = set()
    for item in items:
        watermark = above.get(item.gift_id)
        same_name = [
            gift for gift in free if gift.id not in used and _name(gift.fields) == _name(item.payload)
        ]
        if watermark is not None:
            ours = [g for g in same_name if g.id > watermark and same_content(item.payload, g.fields)]
            if ours:
                used.add(ours[0].id)
                result.adopted.append((item, ours[0].id))
                continue
            newer = [g for g in same_name if g.id > watermark]
            if newer:
                result.for_staff.append(
                    (
                        item,
                        f"remote gift #{newer[0].id} was created after our unanswered create and has our "
                        "name but other content: check it on the site, then delete it there or link it "
                        "by hand (nothing was linked or created)",
                    )
                )
                continue
            result.to_create.append(item)
            continue
        # No record of what the site held before we sent: a look-alike may be the partner's own.
        if same_name:
            ids = ", ".join(f"#{gift.id}" for gift in same_name[:5])
            result.for_staff.append(
                (
                    item,
                    f"create outcome unknown and the site holds gifts with the same name ({ids}) that "
                    "may be the partner's own: check them on the site (nothing was linked or created)",
                )
            )
            continue
        result.to_create.append(item)
    return result
