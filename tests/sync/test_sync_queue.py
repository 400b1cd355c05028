"""Queued and scheduled syncs: the source's service run on a claimed run, enqueued as a function object."""

import pytest
from django_q.exceptions import TimeoutException
from django_q.models import OrmQ

from catalog.models import SyncRun, SyncSource
from catalog.services import sync_queue
from catalog.services.offers import sync_offers
from catalog.services.products import sync_products
from giftoffice.runs.models import RunStatus

pytestmark = pytest.mark.django_db


def test_each_source_is_synced_by_its_service():
    assert {
        SyncSource.TRIBUTE_PRODUCTS: sync_products,
        SyncSource.GAMESDROP_OFFERS: sync_offers,
    } == sync_queue.SYNC_SERVICES


def test_enqueue_sync_queues_the_task_function_with_the_run_id_once_committed(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = sync_queue.enqueue_sync(source=SyncSource.GAMESDROP_OFFERS, user=admin_user)
        assert OrmQ.objects.count() == 0  # not before the run row is committed

    queued = OrmQ.objects.get()
    assert len(callbacks) == 1
    assert (queued.func(), queued.task["args"], queued.task["kwargs"], queued.name()) == (
        "catalog.services.sync_queue.run_queued_sync",
        (),
        {"run_id": run.pk},
        f"sync-{run.pk}",
    )
    assert (run.status, run.trigger, run.triggered_by) == (RunStatus.QUEUED, "admin", admin_user)


def test_enqueue_sync_refuses_an_unknown_source_and_records_nothing():
    with pytest.raises(ValueError, match="unknown sync source 'nope'"):
        sync_queue.enqueue_sync(source="nope")

    assert not SyncRun.objects.exists()


def test_queued_run_already_started_is_skipped_by_a_second_delivery():
    run = SyncRun.objects.create(source=SyncSource.GAMESDROP_OFFERS, status=RunStatus.RUNNING)

    assert sync_queue.run_queued_sync(run_id=run.pk) == f"run {run.pk} skipped (running)"


def timed_out_before_tracking(*, run: SyncRun) -> SyncRun:
    raise TimeoutException("Task exceeded maximum timeout value (300 seconds)")


def test_a_queued_sync_killed_before_its_service_tracks_it_is_failed(monkeypatch):
    monkeypatch.setitem(sync_queue.SYNC_SERVICES, SyncSource.GAMESDROP_OFFERS, timed_out_before_tracking)
    run = SyncRun.objects.create(source=SyncSource.GAMESDROP_OFFERS)

    with pytest.raises(TimeoutException):
        sync_queue.run_queued_sync(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.message) == (
        RunStatus.FAILED,
        "Task exceeded maximum timeout value (300 seconds)",
    )
    assert run.finished_at is not None


def test_a_queued_sync_with_parameters_its_service_refuses_is_failed():
    run = SyncRun.objects.create(source=SyncSource.GAMESDROP_OFFERS, params={"colour": "red"})

    with pytest.raises(TypeError):
        sync_queue.run_queued_sync(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "colour" in run.message
