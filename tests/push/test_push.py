"""Pushing gifts to the sandbox partner site over real HTTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog import tasks_push
from catalog.models import GiftPublication, PushRun
from catalog.publishing import runs as publishing_runs
from catalog.publishing.errors import PushError
from catalog.publishing.plan import plan_push, select_gifts
from catalog.publishing.push import Pusher
from catalog.publishing.render import fingerprint, render_gift
from catalog.publishing.runs import execute_run, push_gifts, runs_in_background, start_run
from giftoffice.integrations.partner import GiftWrite
from giftoffice.runs.models import RunStatus
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import Fault, PartnerRemoteGift
from tests.push.factories import GiftFactory, PartnerSiteFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _remote_names() -> list[str]:
    return list(PartnerRemoteGift.objects.order_by("id").values_list("name_ro", flat=True))


def _remote_id(gift, site) -> int | None:
    return GiftPublication.objects.get(gift=gift, site=site).remote_id


def _hang_fast(site) -> None:
    """A 1 s timeout, so a hang fault (armed for 2 s) times out fast."""
    site.timeout_seconds = 1.0
    site.save(update_fields=["timeout_seconds"])


def _push(site, gifts, **kwargs) -> PushRun:
    return push_gifts(site=site, gift_ids=[gift.pk for gift in gifts], **kwargs)


def test_first_push_creates_every_gift_and_stores_remote_ids_in_input_order(partner_site):
    # given
    gifts = GiftFactory.create_batch(5)
    partner_site.batch_size = 2
    partner_site.save()
    # when
    run = _push(partner_site, gifts)
    # then
    assert (run.status, run.created, run.updated, run.skipped, run.failed) == ("succeeded", 5, 0, 0, 0)
    assert (run.done, run.total) == (5, 5)
    for gift in gifts:
        remote = PartnerRemoteGift.objects.get(pk=_remote_id(gift, partner_site))
        assert (remote.name_ro, remote.name_uk, remote.start_time) == (
            gift.name_ro,
            gift.name_uk,
            gift.start_time,
        )
    assert _remote_names() == [gift.name_ro for gift in gifts]


def test_second_push_of_unchanged_gifts_sends_nothing(partner_site):
    # given
    gifts = GiftFactory.create_batch(3)
    _push(partner_site, gifts)
    # Any call to the partner site would consume this fault (and fail): it must still be armed after.
    faults.arm(provider="partner", kind="http_500", count=1)
    # when
    run = _push(partner_site, gifts)
    # then
    assert (run.status, run.created, run.updated, run.skipped, run.failed) == ("succeeded", 0, 0, 3, 0)
    assert Fault.objects.get().remaining == 1
    assert PartnerRemoteGift.objects.count() == 3


def test_an_edited_gift_is_updated_and_the_others_are_left_alone(partner_site):
    # given
    edited, untouched = GiftFactory.create_batch(2)
    _push(partner_site, [edited, untouched])
    untouched_remote = PartnerRemoteGift.objects.get(pk=_remote_id(untouched, partner_site))
    edited.name_ru = "Подарок изменён"
    edited.active = False
    edited.save()
    # when
    run = _push(partner_site, [edited, untouched])
    # then
    assert (run.status, run.created, run.updated, run.skipped) == ("succeeded", 0, 1, 1)
    remote = PartnerRemoteGift.objects.get(pk=_remote_id(edited, partner_site))
    assert (remote.name_ru, remote.active, remote.name_ro) == ("Подарок изменён", False, edited.name_ro)
    assert PartnerRemoteGift.objects.get(pk=untouched_remote.pk).updated_at == untouched_remote.updated_at
    assert PartnerRemoteGift.objects.count() == 2


def test_dry_run_shows_the_field_level_diff_and_sends_nothing(partner_site):
    # given
    edited, unchanged = GiftFactory.create_batch(2)
    _push(partner_site, [edited, unchanged])
    new = GiftFactory()
    old_name = edited.name_en
    edited.name_en = "Renamed"
    edited.save()
    # any write would consume one of these (a dry run only reads the site's list, to know it answers)
    faults.arm(provider="partner", kind="http_500", path="external/gift/bulk-create", count=1)
    faults.arm(provider="partner", kind="http_500", path="external/gift/bulk-update", count=1)
    # when
    run = _push(partner_site, [edited, unchanged, new], dry_run=True)
    # then
    assert (run.dry_run, run.status, run.created, run.updated, run.skipped) == (True, "succeeded", 1, 1, 1)
    assert run.report["create"] == [{"gift": new.pk, "label": new.name_ro, "uncertain": False}]
    assert run.report["update"] == [
        {
            "gift": edited.pk,
            "label": edited.name_ro,
            "remote_id": _remote_id(edited, partner_site),
            "changes": [{"field": "name_en", "old": old_name, "new": "Renamed"}],
        }
    ]
    assert list(Fault.objects.values_list("remaining", flat=True)) == [1, 1]
    assert PartnerRemoteGift.objects.count() == 2


def test_plan_diff_names_the_old_and_new_values():
    # given a gift last sent with another English name
    site = PartnerSiteFactory()
    gift = GiftFactory(name_en="Before")
    payload = render_gift(gift, languages=site.site_languages)
    GiftPublication.objects.create(
        gift=gift, site=site, remote_id=5, pushed_payload=payload, fingerprint=fingerprint(payload)
    )
    gift.name_en = "After"
    gift.description_ru = "Описание"
    gift.save()
    # when
    plan = plan_push(site=site, gifts=[gift])
    # then
    [item] = plan.updates
    assert [(c.field, c.old, c.new) for c in item.changes] == [
        ("name_en", "Before", "After"),
        ("description_ru", None, "Описание"),
    ]
    assert item.update_write().to_json() == {
        "id": 5,
        "name_en": "After",
        "description_ru": "Описание",
        "start_time": payload["start_time"],
        "removal_time": payload["removal_time"],
        "active": True,
    }


def test_refused_items_are_recorded_and_the_other_items_and_batches_go_on(partner_site):
    # given: the site refuses a gift without a Romanian name; batches of two
    partner_site.batch_size = 2
    partner_site.save()
    ok_1, nameless, ok_2, ok_3 = GiftFactory(), GiftFactory(name_ro=""), GiftFactory(), GiftFactory()
    # when
    run = _push(partner_site, [ok_1, nameless, ok_2, ok_3])
    # then
    assert (run.status, run.created, run.failed) == (RunStatus.PARTLY_FAILED, 3, 1)
    assert run.errors == [
        {"gift": nameless.pk, "remote_id": None, "error": "refused: name_ro: This field may not be null."}
    ]
    failed = GiftPublication.objects.get(gift=nameless, site=partner_site)
    assert (failed.remote_id, failed.last_error, failed.create_sent_at) == (
        None,
        "refused: name_ro: This field may not be null.",
        None,
    )
    assert sorted(_remote_names()) == sorted([ok_1.name_ro, ok_2.name_ro, ok_3.name_ro])


def test_a_gift_deleted_on_the_site_fails_its_update_and_the_rest_is_updated(partner_site):
    # given
    gone, kept = GiftFactory.create_batch(2)
    _push(partner_site, [gone, kept])
    gone_remote_id = _remote_id(gone, partner_site)
    PartnerRemoteGift.objects.filter(pk=gone_remote_id).delete()
    for gift in (gone, kept):
        gift.active = False
        gift.save()
    # when
    run = _push(partner_site, [gone, kept])
    # then
    assert (run.status, run.updated, run.failed) == ("partly_failed", 1, 1)
    assert PartnerRemoteGift.objects.get(pk=_remote_id(kept, partner_site)).active is False
    error = GiftPublication.objects.get(gift=gone, site=partner_site).last_error
    assert error == f"refused: id: Gift with id {gone_remote_id} does not exist."


@pytest.mark.parametrize("kind", ["commit_then_hang", "commit_then_500", "commit_then_drop"])
def test_an_unknown_create_outcome_is_reconciled_so_the_site_holds_one_copy_of_each(partner_site, kind):
    # given: the site commits the first bulk-create, then the answer is lost (or comes after 1 s)
    _hang_fast(partner_site)
    gifts = GiftFactory.create_batch(3)
    faults.arm(provider="partner", kind=kind, path="external/gift/bulk-create", delay_seconds=2.0)
    # when
    run = _push(partner_site, gifts)
    # then
    assert (run.status, run.created, run.linked, run.failed) == ("succeeded", 3, 3, 0)
    assert _remote_names() == [gift.name_ro for gift in gifts]
    for gift in gifts:
        pub = GiftPublication.objects.get(gift=gift, site=partner_site)
        assert PartnerRemoteGift.objects.get(pk=pub.remote_id).name_ro == gift.name_ro
        assert pub.create_sent_at is None
    assert not Fault.objects.exists()


def test_a_lost_create_that_did_not_happen_is_created_on_the_retry(partner_site):
    # given: the site hangs before doing anything
    _hang_fast(partner_site)
    gifts = GiftFactory.create_batch(2)
    faults.arm(provider="partner", kind="hang", path="external/gift/bulk-create", delay_seconds=2.0)
    # when
    run = _push(partner_site, gifts)
    # then
    assert (run.status, run.created, run.linked) == ("succeeded", 2, 0)
    assert _remote_names() == [gift.name_ro for gift in gifts]


def test_only_the_batch_with_the_unknown_outcome_is_reconciled(partner_site):
    # given: batches of one; the first one's answer is lost after the site committed it
    partner_site.batch_size = 1
    partner_site.save()
    gifts = GiftFactory.create_batch(3)
    faults.arm(provider="partner", kind="commit_then_drop", path="external/gift/bulk-create")
    # when
    run = _push(partner_site, gifts)
    # then
    assert (run.status, run.created, run.linked, run.failed) == ("succeeded", 3, 1, 0)
    assert _remote_names() == [gift.name_ro for gift in gifts]


def test_a_rate_limited_bulk_create_is_sent_again_after_the_pause(partner_site):
    gifts = GiftFactory.create_batch(2)
    faults.arm(provider="partner", kind="http_429", path="external/gift/bulk-create", retry_after=0)

    run = _push(partner_site, gifts)

    assert (run.status, run.created, run.linked) == ("succeeded", 2, 0)
    assert _remote_names() == [gift.name_ro for gift in gifts]
    assert not Fault.objects.exists()


def test_a_create_left_unknown_by_a_crashed_run_is_linked_by_the_next_push(partner_site, partner_client):
    # given: a run sent gift A and died before storing the answer
    sent, new = GiftFactory.create_batch(2)
    payload = render_gift(sent, languages=partner_site.site_languages)
    [copy] = partner_client.bulk_create([GiftWrite(fields=payload)])
    GiftPublication.objects.create(
        gift=sent, site=partner_site, create_sent_at=timezone.now(), create_sent_above_id=0
    )
    # when
    plan = plan_push(site=partner_site, gifts=[sent, new])
    run = _push(partner_site, [sent, new])
    # then
    assert [(item.gift_id, item.uncertain) for item in plan.creates] == [(sent.pk, True), (new.pk, False)]
    assert (run.status, run.created, run.linked) == ("succeeded", 2, 1)
    assert _remote_id(sent, partner_site) == copy.id
    assert _remote_names() == [sent.name_ro, new.name_ro]


def test_identical_gifts_are_each_linked_to_their_own_copy(partner_site):
    # given: two of our gifts the site cannot tell apart
    twin_a = GiftFactory(name_ro="Twin")
    twin_b = GiftFactory(name_ro="Twin", start_time=twin_a.start_time, removal_time=twin_a.removal_time)
    faults.arm(provider="partner", kind="commit_then_500", path="external/gift/bulk-create")
    # when
    run = _push(partner_site, [twin_a, twin_b])
    # then
    assert (run.created, run.linked) == (2, 2)
    assert PartnerRemoteGift.objects.count() == 2
    assert {_remote_id(twin_a, partner_site), _remote_id(twin_b, partner_site)} == set(
        PartnerRemoteGift.objects.values_list("pk", flat=True)
    )


def test_refused_credentials_fail_the_run_with_one_message_and_send_nothing(partner_site):
    partner_site.auth_secret = "Api-Key wrong"
    partner_site.save()
    gifts = GiftFactory.create_batch(2)

    run = _push(partner_site, gifts)

    assert (run.status, run.failed) == ("failed", 2)
    assert run.message == "partner sandbox: Invalid API key. (HTTP 401)"
    assert PartnerRemoteGift.objects.count() == 0
    assert not GiftPublication.objects.filter(create_sent_at__isnull=False).exists()


def test_an_unreachable_site_fails_the_run_and_marks_nothing_as_sent(db, settings):
    settings.INTEGRATION_BACKOFF_SECONDS = 0
    site = PartnerSiteFactory(base_url="http://127.0.0.1:9/partner")
    gift = GiftFactory()

    run = _push(site, [gift])

    assert run.status == "failed"
    assert run.message.startswith("site unavailable:")
    pub = GiftPublication.objects.get(gift=gift, site=site)
    assert (pub.remote_id, pub.create_sent_at) == (None, None)
    assert pub.last_error.startswith("site unavailable:")


def test_only_the_languages_the_site_takes_are_sent(partner_site):
    partner_site.languages = ["ro", "en"]
    partner_site.save()
    gift = GiftFactory()

    _push(partner_site, [gift])

    remote = PartnerRemoteGift.objects.get()
    assert (remote.name_ro, remote.name_en, remote.name_ru, remote.name_uk) == (
        gift.name_ro,
        gift.name_en,
        None,
        None,
    )


def test_a_second_run_on_a_site_with_an_active_run_is_refused(partner_site):
    running = PushRun.objects.create(site=partner_site, status="running", heartbeat_at=timezone.now())

    with pytest.raises(PushError, match=f"run #{running.pk} on 'sandbox' is still running"):
        _push(partner_site, [GiftFactory()])


def test_a_run_silent_for_too_long_no_longer_blocks_the_site(partner_site, settings):
    PushRun.objects.create(
        site=partner_site,
        status="running",
        heartbeat_at=timezone.now() - timedelta(seconds=settings.RUN_DEAD_AFTER_SECONDS + 1),
    )

    run = _push(partner_site, [GiftFactory()])

    assert run.status == "succeeded"


def test_a_finished_run_is_left_alone_when_executed_again(partner_site):
    run = _push(partner_site, [GiftFactory()])

    again = execute_run(run_id=run.pk)

    assert (again.status, again.created, again.finished_at) == ("succeeded", 1, run.finished_at)
    assert PartnerRemoteGift.objects.count() == 1


def test_a_run_whose_worker_died_is_resumed_without_duplicates(partner_site, settings, partner_client):
    # given: a queued run that started, sent its bulk-create (which the site committed), then died
    gifts = GiftFactory.create_batch(2)
    stale = timezone.now() - timedelta(seconds=settings.RUN_DEAD_AFTER_SECONDS + 1)
    run = PushRun.objects.create(
        site=partner_site, status="running", gift_ids=[g.pk for g in gifts], heartbeat_at=stale
    )
    payload = render_gift(gifts[0], languages=partner_site.site_languages)
    partner_client.bulk_create([GiftWrite(fields=payload)])
    GiftPublication.objects.create(
        gift=gifts[0], site=partner_site, create_sent_at=stale, create_sent_above_id=0
    )
    # when: the queue hands the task out again
    summary = tasks_push.run_push(run.pk)
    again = tasks_push.run_push(run.pk)
    # then
    run.refresh_from_db()
    assert (run.status, run.created, run.linked) == ("succeeded", 2, 1)
    assert summary == again == run.summary()
    assert _remote_names() == [gift.name_ro for gift in gifts]


def test_a_run_another_worker_is_executing_is_left_to_it(partner_site):
    run = PushRun.objects.create(site=partner_site, status="running", heartbeat_at=timezone.now())

    tasks_push.run_push(run.pk)

    run.refresh_from_db()
    assert (run.status, run.created) == ("running", 0)
    assert PartnerRemoteGift.objects.count() == 0


def test_gifts_deleted_after_the_request_are_skipped(partner_site):
    kept, deleted = GiftFactory.create_batch(2)
    run = start_run(site=partner_site, gift_ids=[kept.pk, deleted.pk])
    deleted.delete()

    run = execute_run(run_id=run.pk)

    assert (run.status, run.total, run.created) == ("succeeded", 1, 1)


def test_unknown_gift_ids_are_refused_before_anything_is_recorded(partner_site):
    gift = GiftFactory()

    with pytest.raises(PushError, match="no gift with id 999999"):
        push_gifts(site=partner_site, gift_ids=[gift.pk, 999999])

    assert not PushRun.objects.exists()


def test_a_disabled_site_is_refused(partner_site):
    partner_site.enabled = False
    partner_site.save()

    with pytest.raises(PushError, match="disabled"):
        _push(partner_site, [GiftFactory()])


def test_a_run_killed_by_the_task_timeout_is_failed_with_a_clear_message(partner_site, monkeypatch, settings):
    # given: django-q2 stops a task past its timeout by raising TimeoutException (a SystemExit)
    from django_q.exceptions import TimeoutException

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 300}

    def killed(self) -> None:
        raise TimeoutException("Task exceeded maximum timeout value (300 seconds)")

    monkeypatch.setattr(Pusher, "execute", killed)
    run = start_run(site=partner_site, gift_ids=[GiftFactory().pk])
    # when
    with pytest.raises(TimeoutException):
        tasks_push.run_push(run.pk)
    # then
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.message == "stopped: the task ran past its time limit (300 s); push again to carry on"
    assert run.finished_at is not None


def test_an_interrupted_run_is_failed_and_the_interrupt_goes_on(partner_site, monkeypatch):
    def interrupted(self) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Pusher, "execute", interrupted)
    run = start_run(site=partner_site, gift_ids=[GiftFactory().pk])

    with pytest.raises(KeyboardInterrupt):
        execute_run(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.message) == ("failed", "stopped: KeyboardInterrupt")


def _claimed_run(site, *, claimed_by: str, claimed_ago: float, heartbeat_ago: float, gifts=()) -> PushRun:
    now = timezone.now()
    return PushRun.objects.create(
        site=site,
        status="running",
        gift_ids=[gift.pk for gift in gifts],
        claimed_by=claimed_by,
        started_at=now - timedelta(seconds=claimed_ago),
        heartbeat_at=now - timedelta(seconds=heartbeat_ago),
    )


@pytest.fixture
def dead_after(settings):
    """The shipped defaults: a beat every 2 s, dead after 8 s of silence."""
    settings.RUN_HEARTBEAT_SECONDS = 2
    settings.RUN_DEAD_AFTER_SECONDS = 8


def test_a_redelivered_task_resumes_the_run_its_dead_worker_had_claimed(partner_site, dead_after):
    # given: a worker claimed the run, beat for a while, then died; the broker hands the task out again
    gifts = GiftFactory.create_batch(2)
    run = _claimed_run(partner_site, claimed_by="task 1@old", claimed_ago=361, heartbeat_ago=9, gifts=gifts)
    # when
    tasks_push.run_push(run.pk)
    # then
    run.refresh_from_db()
    assert (run.status, run.created) == ("succeeded", 2)
    assert run.claimed_by.startswith("task ")
    assert run.claimed_by != "task 1@old"
    assert _remote_names() == [gift.name_ro for gift in gifts]


def test_a_duplicate_delivery_while_the_first_task_beats_leaves_the_run_to_it(partner_site, dead_after):
    # given: a live task claimed the run 200 s ago and beat 1 s ago
    gifts = GiftFactory.create_batch(1)
    run = _claimed_run(partner_site, claimed_by="task 1@host", claimed_ago=200, heartbeat_ago=1, gifts=gifts)
    # when
    tasks_push.run_push(run.pk)
    # then
    run.refresh_from_db()
    assert (run.status, run.created, run.claimed_by) == ("running", 0, "task 1@host")
    assert PartnerRemoteGift.objects.count() == 0
    with pytest.raises(PushError, match=f"run #{run.pk} on 'sandbox' is still running"):
        _push(partner_site, gifts)


def test_an_in_process_run_longer_than_the_task_timeout_is_still_alive(partner_site, dead_after):
    # given: a command's push started 20 minutes ago and beat 5 s ago
    gifts = GiftFactory.create_batch(1)
    run = _claimed_run(
        partner_site, claimed_by="process 1@host", claimed_ago=1200, heartbeat_ago=5, gifts=gifts
    )
    # when / then: no second run starts, and executing it again does nothing
    with pytest.raises(PushError, match=f"run #{run.pk} on 'sandbox' is still running"):
        _push(partner_site, gifts)
    execute_run(run_id=run.pk, queued=True)
    run.refresh_from_db()
    assert (run.status, run.claimed_by, run.created) == ("running", "process 1@host", 0)
    assert PartnerRemoteGift.objects.count() == 0


def test_a_killed_push_no_longer_blocks_its_site_seconds_later(partner_site, dead_after):
    # given: a task's push whose process was killed 9 s ago (no heartbeat since), 100 s into its run
    killed = _claimed_run(partner_site, claimed_by="task 1@host", claimed_ago=100, heartbeat_ago=9)
    # when
    run = _push(partner_site, [GiftFactory()])
    # then
    assert run.status == "succeeded"
    assert run.claimed_by.startswith("process ")
    killed.refresh_from_db()
    assert killed.is_dead


def test_a_queued_run_records_that_a_task_claimed_it(partner_site):
    run = start_run(site=partner_site, gift_ids=[GiftFactory().pk])

    tasks_push.run_push(run.pk)

    run.refresh_from_db()
    assert run.status == "succeeded"
    assert run.claimed_by.startswith("task ")
    assert run.heartbeat_at == run.finished_at


def test_a_finished_run_cannot_move_again_and_says_so_with_the_shared_exception(partner_site):
    from giftoffice.transitions import InvalidTransition

    run = PushRun.objects.create(site=partner_site, status="succeeded")

    with pytest.raises(InvalidTransition, match="PushRun: cannot move from succeeded to running"):
        run.check_transition(RunStatus.RUNNING)


def test_only_pushes_above_the_threshold_run_in_the_background(settings):
    settings.PUSH_ASYNC_THRESHOLD = 36

    assert [runs_in_background(gift_count=n) for n in (1, 36, 37)] == [False, False, True]


def test_pushing_every_gift_does_not_load_them_all_just_to_check_ids(partner_site, monkeypatch):
    # given
    checked: list = []
    real_select = select_gifts
    monkeypatch.setattr(
        publishing_runs,
        "select_gifts",
        lambda *, gift_ids: checked.append(gift_ids) or real_select(gift_ids=gift_ids),
    )
    GiftFactory.create_batch(2)
    # when
    run = push_gifts(site=partner_site, gift_ids=None)
    # then
    assert checked == []
    assert (run.status, run.created) == ("succeeded", 2)


def test_a_create_still_unknown_after_the_last_attempt_stays_marked_for_the_next_push(
    partner_site, settings, partner_client
):
    # given: every bulk-create attempt loses its connection before the site does anything
    settings.PUSH_MAX_ATTEMPTS = 2
    gift = GiftFactory()
    faults.arm(provider="partner", kind="drop", path="external/gift/bulk-create", count=2)
    # when
    run = _push(partner_site, [gift])
    # then: the gift failed, but the publication still says a create may have happened
    assert (run.status, run.created, run.failed) == ("partly_failed", 0, 1)
    pub = GiftPublication.objects.get(gift=gift, site=partner_site)
    assert pub.remote_id is None
    assert pub.create_sent_at is not None
    assert pub.last_error.startswith("outcome unknown after 2 attempts: ")
    assert PartnerRemoteGift.objects.count() == 0
    # when: the site did create it after all, and the next push runs
    payload = render_gift(gift, languages=partner_site.site_languages)
    [copy] = partner_client.bulk_create([GiftWrite(fields=payload)])
    plan = plan_push(site=partner_site, gifts=[gift])
    again = _push(partner_site, [gift])
    # then: it is linked, not created twice
    assert [item.uncertain for item in plan.creates] == [True]
    assert (again.status, again.created, again.linked) == ("succeeded", 1, 1)
    assert _remote_id(gift, partner_site) == copy.id
    assert PartnerRemoteGift.objects.count() == 1


def test_a_reconcile_that_cannot_read_the_site_fails_the_run_and_keeps_the_creates_marked(
    partner_site, monkeypatch
):
    # given: the bulk-create's answer is lost, then the site's list cannot be read
    gifts = GiftFactory.create_batch(2)
    faults.arm(provider="partner", kind="drop", path="external/gift/bulk-create")
    reconcile = Pusher._reconcile_or_abort

    def list_unreadable(self, items, **kwargs):  # this run only: the next push finds the site well
        monkeypatch.setattr(Pusher, "_reconcile_or_abort", reconcile)
        faults.arm(provider="partner", kind="http_503", path="external/gift", count=20)
        return reconcile(self, items, **kwargs)

    monkeypatch.setattr(Pusher, "_reconcile_or_abort", list_unreadable)
    # when
    run = _push(partner_site, gifts)
    # then
    faults.disarm(provider="partner")
    assert (run.status, run.created, run.failed) == ("failed", 0, 2)
    assert run.message.startswith("could not read the site's list to check an unknown outcome: ")
    for gift in gifts:
        pub = GiftPublication.objects.get(gift=gift, site=partner_site)
        assert pub.remote_id is None
        assert pub.create_sent_at is not None
        assert pub.last_error.startswith("create outcome unknown and the site could not be checked: ")
    # when: the site answers again
    again = _push(partner_site, gifts)
    # then
    assert (again.status, again.created, again.linked) == ("succeeded", 2, 0)
    assert _remote_names() == [gift.name_ro for gift in gifts]


def test_a_bulk_update_sends_the_valid_items_again_without_the_refused_one(partner_site):
    # given: three published gifts, all edited; one now lacks its Romanian name, which the site refuses
    first, nameless, last = GiftFactory.create_batch(3)
    _push(partner_site, [first, nameless, last])
    before = GiftPublication.objects.get(gift=nameless, site=partner_site).fingerprint
    for gift in (first, nameless, last):
        gift.name_en = f"{gift.name_en} (new)"
        gift.name_ro = "" if gift == nameless else gift.name_ro
        gift.save()
    # when
    run = _push(partner_site, [first, nameless, last])
    # then
    assert (run.status, run.updated, run.failed) == ("partly_failed", 2, 1)
    assert run.errors == [
        {
            "gift": nameless.pk,
            "remote_id": _remote_id(nameless, partner_site),
            "error": "refused: name_ro: This field may not be null.",
        }
    ]
    remote = {g.pk: g.name_en for g in PartnerRemoteGift.objects.all()}
    assert remote[_remote_id(first, partner_site)] == f"{first.name_en}"
    assert remote[_remote_id(last, partner_site)] == f"{last.name_en}"
    assert remote[_remote_id(nameless, partner_site)] == nameless.name_en.removesuffix(" (new)")
    assert GiftPublication.objects.get(gift=nameless, site=partner_site).fingerprint == before
