"""After a lost bulk-create answer: adopt only our own copy (created after our attempt, same content)."""

from datetime import UTC, datetime

import pytest

from catalog.models import GiftPublication
from catalog.publishing.plan import PlanAction, PlanItem
from catalog.publishing.reconcile import reconcile, same_content
from catalog.publishing.render import render_gift
from catalog.publishing.runs import push_gifts
from giftoffice.integrations.partner import GiftWrite, RemoteGift
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import PartnerRemoteGift
from tests.push.factories import GiftFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("kind", ["commit_then_drop", "commit_then_hang"])
def test_a_lost_create_answer_links_our_new_copy_never_the_partners_look_alike(
    partner_site, partner_client, kind
):
    # given: the partner already holds its own gift with our gift's Romanian name, times and content
    gift = GiftFactory()
    payload = render_gift(gift, languages=partner_site.site_languages)
    [theirs] = partner_client.bulk_create([GiftWrite(fields=payload)])
    partner_site.timeout_seconds = 1.0  # a hang (armed for 2 s) times out fast
    partner_site.save(update_fields=["timeout_seconds"])
    faults.arm(provider="partner", kind=kind, path="external/gift/bulk-create", delay_seconds=2.0)
    # when: our bulk-create is committed by the site but its answer is lost
    run = push_gifts(site=partner_site, gift_ids=[gift.pk])
    # then: we link to the copy created by our attempt, and the partner's gift stays theirs
    ours = PartnerRemoteGift.objects.exclude(pk=theirs.id).get()
    pub = GiftPublication.objects.get(gift=gift, site=partner_site)
    assert (run.status, run.created, run.linked, run.failed) == ("succeeded", 1, 1, 0)
    assert pub.remote_id == ours.pk
    assert ours.pk > theirs.id
    assert (pub.create_sent_at, pub.create_sent_above_id) == (None, None)
    assert PartnerRemoteGift.objects.count() == 2


def test_the_next_push_after_a_crash_never_adopts_a_gift_older_than_its_attempt(partner_site, partner_client):
    # given: the partner's own look-alike, then our create recorded as sent above it and lost (no copy)
    gift = GiftFactory()
    payload = render_gift(gift, languages=partner_site.site_languages)
    [theirs] = partner_client.bulk_create([GiftWrite(fields=payload)])
    GiftPublication.objects.create(
        gift=gift, site=partner_site, create_sent_at=datetime.now(UTC), create_sent_above_id=theirs.id
    )
    # when
    run = push_gifts(site=partner_site, gift_ids=[gift.pk])
    # then: nothing of ours was on the site, so the gift is created again, not linked to theirs
    pub = GiftPublication.objects.get(gift=gift, site=partner_site)
    assert (run.status, run.created, run.linked) == ("succeeded", 1, 0)
    assert pub.remote_id not in (None, theirs.id)
    assert PartnerRemoteGift.objects.count() == 2


def _item(gift_id: int, payload: dict) -> PlanItem:
    return PlanItem(gift_id, f"gift {gift_id}", PlanAction.CREATE, payload, uncertain=True)


SENT = {
    "name_ro": "Cadou",
    "name_en": "Gift",
    "start_time": "2025-08-27T10:00:00+00:00",
    "removal_time": "2025-09-02T18:00:00+00:00",
    "active": True,
}


def test_reconcile_adopts_only_above_the_watermark_and_with_equal_content():
    theirs = RemoteGift(id=5, fields=dict(SENT))
    edited = RemoteGift(id=9, fields={**SENT, "name_en": "Changed"})
    ours = RemoteGift(id=12, fields={**SENT, "start_time": "2025-08-27T13:00:00+03:00"})  # the same instant
    items = [_item(1, SENT)]

    adopted = reconcile(items, remote=[theirs, ours], taken=set(), above={1: 7})
    doubtful = reconcile(items, remote=[theirs, edited], taken=set(), above={1: 7})
    absent = reconcile(items, remote=[theirs], taken=set(), above={1: 7})
    unknown = reconcile(items, remote=[theirs], taken=set(), above={1: None})

    assert [(item.gift_id, remote_id) for item, remote_id in adopted.adopted] == [(1, 12)]
    assert (doubtful.adopted, doubtful.to_create) == ([], [])
    assert doubtful.for_staff[0][1].startswith("remote gift #9 was created after our unanswered create")
    assert (absent.adopted, absent.for_staff, absent.to_create) == ([], [], items)
    assert unknown.for_staff[0][1].startswith("create outcome unknown and the site holds gifts with the same")


def test_same_content_compares_instants_and_empties():
    assert same_content({"name_ro": "A", "icon_ro": None}, {"name_ro": "A", "icon_ro": ""})
    assert not same_content({"name_ro": "A", "active": True}, {"name_ro": "A", "active": False})
