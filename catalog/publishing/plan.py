"""The plan of a push, computed locally: per gift, create, update (with its field diff) or unchanged."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_noop

from catalog.models import Gift, GiftPublication, PartnerSite
from catalog.publishing.errors import PushError
from catalog.publishing.render import fingerprint, render_gifts
from giftoffice.integrations.partner import GiftWrite, WireValue

# Sent with every item of a bulk-update, changed or not, as the document's example does: a site that
# validates removal_time > start_time per item needs both.
ALWAYS_IN_UPDATE = ("start_time", "removal_time", "active")


class PlanAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: WireValue
    new: WireValue


@dataclass(frozen=True)
class PlanItem:
    gift_id: int
    label: str
    action: PlanAction
    payload: dict[str, WireValue]
    remote_id: int | None = None
    changes: tuple[FieldChange, ...] = ()
    # A create sent before whose outcome is unknown: the site is checked for it before creating.
    uncertain: bool = False
    # For an uncertain create: the highest remote id the site held before it was sent (None: unknown,
    # then no remote gift is adopted and staff decide).
    sent_above_id: int | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.payload)

    def update_write(self) -> GiftWrite:
        """What a bulk-update sends: the id, the always-sent fields, and the changed ones."""
        keys = {change.field for change in self.changes} | set(ALWAYS_IN_UPDATE)
        return GiftWrite(id=self.remote_id, fields={k: v for k, v in self.payload.items() if k in keys})


@dataclass(frozen=True)
class PushPlan:
    site_id: int
    items: tuple[PlanItem, ...]

    @property
    def creates(self) -> list[PlanItem]:
        return [item for item in self.items if item.action == PlanAction.CREATE]

    @property
    def updates(self) -> list[PlanItem]:
        return [item for item in self.items if item.action == PlanAction.UPDATE]

    @property
    def unchanged(self) -> list[PlanItem]:
        return [item for item in self.items if item.action == PlanAction.UNCHANGED]

    def as_report(self) -> dict[str, Any]:
        """JSON for the run record and the admin page."""
        return {
            "create": [{"gift": i.gift_id, "label": i.label, "uncertain": i.uncertain} for i in self.creates],
            "update": [
                {
                    "gift": i.gift_id,
                    "label": i.label,
                    "remote_id": i.remote_id,
                    "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in i.changes],
                }
                for i in self.updates
            ],
            "unchanged": [
                {"gift": i.gift_id, "label": i.label, "remote_id": i.remote_id} for i in self.unchanged
            ],
        }


def plan_lines(report: dict[str, Any]) -> list[str]:
    """A plan's report (PushPlan.as_report(), PushRun.report) as plain text, one line per create or update.

    The command's --dry-run output; the admin renders the same dict with its plan template.
    """
    lines = []
    for item in report.get("create", []):
        note = " (sent before, outcome unknown: checked first)" if item.get("uncertain") else ""
        lines.append(f"create     #{item['gift']} {item['label']}{note}")
    for item in report.get("update", []):
        changes = "; ".join(f"{c['field']}: {c['old']!r} -> {c['new']!r}" for c in item["changes"])
        lines.append(f"update     #{item['gift']} {item['label']} (remote #{item['remote_id']}): {changes}")
    return lines


def select_gifts(*, gift_ids: Sequence[int] | None) -> list[Gift]:
    """The gifts of a push, by id (all of them when None); refuses ids that do not exist."""
    if gift_ids is None:
        return list(Gift.objects.order_by("id"))
    wanted = sorted(set(gift_ids))
    gifts = list(Gift.objects.filter(pk__in=wanted).order_by("id"))
    missing = sorted(set(wanted) - {gift.pk for gift in gifts})
    if missing:
        raise PushError(gettext_noop("no gift with id %(ids)s"), ids=", ".join(map(str, missing)))
    return gifts


def _diff(old: dict[str, WireValue] | None, new: dict[str, WireValue]) -> tuple[FieldChange, ...]:
    old = old or {}
    keys = list(new) + [k for k in old if k not in new]
    return tuple(FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k))


def plan_push(*, site: PartnerSite, gifts: Iterable[Gift]) -> PushPlan:
    """Decide per gift: create, update (with its diff against what was last sent) or unchanged."""
    gifts = list(gifts)
    languages = site.site_languages
    publications = {
        pub.gift_id: pub
        for pub in GiftPublication.objects.filter(site=site, gift_id__in=[gift.pk for gift in gifts])
    }
    payloads = render_gifts(gifts, languages=languages)
    items = []
    for gift in gifts:
        payload = payloads[gift.pk]
        pub = publications.get(gift.pk)
        label = str(gift)
        if pub is None or pub.remote_id is None:
            uncertain = pub is not None and pub.create_sent_at is not None
            items.append(
                PlanItem(
                    gift.pk,
                    label,
                    PlanAction.CREATE,
                    payload,
                    uncertain=uncertain,
                    sent_above_id=pub.create_sent_above_id if uncertain else None,
                )
            )
        elif pub.fingerprint != fingerprint(payload):
            changes = _diff(pub.pushed_payload, payload)
            items.append(PlanItem(gift.pk, label, PlanAction.UPDATE, payload, pub.remote_id, changes))
        else:
            items.append(PlanItem(gift.pk, label, PlanAction.UNCHANGED, payload, pub.remote_id))
    return PushPlan(site_id=site.pk, items=tuple(items))
