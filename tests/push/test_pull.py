"""Pulling a partner site's gifts into our catalog (onboarding), over real HTTP against the sandbox."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connections

from catalog.models import Gift, GiftPublication, PullRun
from catalog.publishing import pull as publishing_pull
from catalog.publishing.runs import pull_gifts, push_gifts
from giftoffice.runs import models as run_models
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import Fault, PartnerRemoteGift
from tests.gift_spec_examples import example_gift, example_texts
from tests.push.factories import GiftFactory

pytestmark = pytest.mark.django_db(transaction=True)


SITE_GIFT = example_gift("partner.example")


def _remote(**fields) -> PartnerRemoteGift:
    """The spec's example gift as the partner site holds it (its naive times read as UTC), with `fields`."""
    values = {
        **{key: value for key, value in SITE_GIFT.items() if key != "id"},
        "start_time": datetime.fromisoformat(SITE_GIFT["start_time"]).replace(tzinfo=UTC),
        "removal_time": datetime.fromisoformat(SITE_GIFT["removal_time"]).replace(tzinfo=UTC),
        **fields,
    }
    return PartnerRemoteGift.objects.create(**values)


def test_pull_imports_the_sites_gifts_and_links_them_by_remote_id(partner_site):
    # given
    first, second = _remote(), _remote(name_ro="Al doilea", active=False, icon_ro=None)
    # when
    run = pull_gifts(site=partner_site)
    # then
    assert (run._meta.model_name, run.status, run.created, run.updated, run.skipped, run.failed) == (
        "pullrun",
        "succeeded",
        2,
        0,
        0,
        0,
    )
    imported = GiftPublication.objects.get(site=partner_site, remote_id=first.pk).gift
    assert {field: getattr(imported, field) for field in example_texts()} == example_texts()
    assert imported.icon_ro.name == SITE_GIFT["icon_ro"]
    assert (imported.start_time, imported.removal_time, imported.active) == (
        first.start_time,
        first.removal_time,
        True,
    )
    other = GiftPublication.objects.get(site=partner_site, remote_id=second.pk).gift
    assert (other.name_ro, other.active, other.icon_ro.name) == ("Al doilea", False, "")


def test_pull_again_updates_changed_gifts_and_creates_no_copies(partner_site):
    # given
    changed = _remote()
    _remote(name_ro="Neschimbat")
    pull_gifts(site=partner_site)
    PartnerRemoteGift.objects.filter(pk=changed.pk).update(name_en="Renamed on the site")
    # when
    run = pull_gifts(site=partner_site)
    # then
    assert (run.created, run.updated, run.skipped) == (0, 1, 1)
    assert Gift.objects.count() == 2
    assert GiftPublication.objects.get(remote_id=changed.pk).gift.name_en == "Renamed on the site"


def test_pulled_gifts_are_unchanged_for_the_next_push(partner_site):
    # given
    _remote(), _remote(name_ro="Al doilea", description_ro=None)
    pull_gifts(site=partner_site)
    faults.arm(provider="partner", kind="http_500", count=1)  # any call would consume it
    # when
    run = push_gifts(site=partner_site, gift_ids=None)
    # then
    assert (run.created, run.updated, run.skipped) == (0, 0, 2)
    assert Fault.objects.get().remaining == 1


def test_pull_after_a_push_finds_our_own_gifts_unchanged(partner_site):
    # given: gifts of ours (no icons, untranslated fields left empty) already pushed
    from tests.push.factories import GiftFactory

    gifts = [GiftFactory(name_uk=None, description_ru=None), GiftFactory()]
    push_gifts(site=partner_site, gift_ids=[gift.pk for gift in gifts])
    # when
    run = pull_gifts(site=partner_site)
    # then
    assert (run.created, run.updated, run.skipped, run.failed) == (0, 0, 2, 0)


def test_pull_dry_run_counts_and_writes_nothing(partner_site):
    _remote(), _remote(name_ro="Al doilea")

    run = pull_gifts(site=partner_site, dry_run=True)

    assert (run.dry_run, run.status, run.created) == (True, "succeeded", 2)
    assert Gift.objects.count() == 0
    assert GiftPublication.objects.count() == 0


def test_a_remote_gift_we_cannot_store_is_reported_and_the_rest_imported(partner_site):
    # given: a gift whose removal time is not after its start time (the site let it through)
    good = _remote()
    bad = _remote(name_ro="Stricat", removal_time=datetime(2025, 8, 1, tzinfo=UTC))
    # when
    run = pull_gifts(site=partner_site)
    # then
    assert (run.status, run.created, run.failed) == ("partly_failed", 1, 1)
    assert run.errors == [
        {"gift": None, "remote_id": bad.pk, "error": "removal_time: Must be after start_time."}
    ]
    assert list(GiftPublication.objects.values_list("remote_id", flat=True)) == [good.pk]


def test_remote_gifts_our_api_would_refuse_are_reported_per_item_and_not_imported(partner_site):
    # given: the site let through gifts our own API refuses
    good = _remote()
    nameless = _remote(name_ro="  ")
    ftp = _remote(name_ro="FTP", link_en="ftp://files.example/gift")
    # when
    run = pull_gifts(site=partner_site)
    # then
    assert (run.status, run.created, run.failed) == ("partly_failed", 1, 2)
    assert run.errors == [
        {"gift": None, "remote_id": nameless.pk, "error": "name_ro: This field may not be null or blank."},
        {"gift": None, "remote_id": ftp.pk, "error": "link_en: Expected an absolute http(s) URL or null."},
    ]
    assert list(GiftPublication.objects.values_list("remote_id", flat=True)) == [good.pk]
    assert list(Gift.objects.values_list("name_ro", flat=True)) == [SITE_GIFT["name_ro"]]


def test_a_remote_rename_to_a_blank_name_is_refused_and_our_gift_kept(partner_site):
    # given
    remote = _remote()
    pull_gifts(site=partner_site)
    PartnerRemoteGift.objects.filter(pk=remote.pk).update(name_ro="")
    # when
    run = pull_gifts(site=partner_site)
    # then
    assert (run.status, run.updated, run.failed) == ("partly_failed", 0, 1)
    assert run.errors[0]["error"] == "name_ro: This field may not be null or blank."
    assert GiftPublication.objects.get(remote_id=remote.pk).gift.name_ro == SITE_GIFT["name_ro"]


def test_pull_from_a_site_that_refuses_the_credentials_fails_with_one_message(partner_site):
    partner_site.auth_secret = "Api-Key nope"
    partner_site.save()

    run = pull_gifts(site=partner_site)

    assert (run.status, run.message) == ("failed", "partner sandbox: Invalid API key. (HTTP 401)")
    assert Gift.objects.count() == 0


def test_push_and_pull_count_every_failure_and_keep_errors_up_to_the_same_cap(partner_site, monkeypatch):
    # given: a cap of one stored error; two gifts the site refuses, two remote gifts we refuse
    monkeypatch.setattr(run_models, "MAX_STORED_ERRORS", 1)
    GiftFactory(name_ro=""), GiftFactory(name_ro="")
    first_bad, _second_bad = _remote(name_ro=" "), _remote(name_ro=" ")
    pushed, pulled = [], []
    # when
    push_run = push_gifts(site=partner_site, gift_ids=None, on_progress=lambda *a: pushed.append(a))
    pull_run = pull_gifts(site=partner_site, on_progress=lambda *a: pulled.append(a))
    # then: both runs go through the one bookkeeping
    assert (push_run.failed, len(push_run.errors), push_run.done, push_run.total) == (2, 1, 2, 2)
    assert (pull_run.failed, len(pull_run.errors), pull_run.done, pull_run.total) == (2, 1, 2, 2)
    assert pull_run.errors == [
        {"gift": None, "remote_id": first_bad.pk, "error": "name_ro: This field may not be null or blank."}
    ]
    assert (pushed[-1], pulled[-1]) == ((2, 2), (2, 2))
    assert push_run.heartbeat_at is not None
    assert pull_run.heartbeat_at is not None


def _from_another_connection(query: Callable[[], object]) -> object:
    """Run a query on a connection of its own (another thread's): it sees committed rows only."""
    outcome: dict[str, object] = {}

    def read() -> None:
        try:
            outcome["value"] = query()
        except Exception as exc:  # re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_a_running_pull_shows_its_progress_to_other_connections_batch_by_batch(partner_site, monkeypatch):
    # given: five remote gifts, imported two per batch
    monkeypatch.setattr(publishing_pull, "PULL_BATCH_SIZE", 2)
    for n in range(5):
        _remote(name_ro=f"Cadou {n}")
    seen = []

    def on_progress(done: int, total: int) -> None:
        seen.append(
            (
                done,
                total,
                _from_another_connection(lambda: PullRun.objects.values_list("done", "total").get()),
                _from_another_connection(Gift.objects.count),
            )
        )

    # when
    run = pull_gifts(site=partner_site, on_progress=on_progress)
    # then: after each batch, another connection sees the run's progress and that batch's gifts
    assert seen == [(0, 5, (0, 5), 0), (2, 5, (2, 5), 2), (4, 5, (4, 5), 4), (5, 5, (5, 5), 5)]
    assert (run.status, run.created, run.done, run.total) == ("succeeded", 5, 5, 5)
