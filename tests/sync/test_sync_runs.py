import pytest
from django_q.models import Schedule

from catalog.models import SyncRun, SyncSource, SyncStatus
from catalog.services import sync_runs
from catalog.services.schedules import ensure_schedules
from giftoffice.transitions import InvalidTransition

pytestmark = pytest.mark.django_db


def test_tracked_run_records_success_with_counts():
    with sync_runs.tracked_run(source=SyncSource.GAMESDROP_OFFERS) as run:
        run.fetched, run.created = 3, 2

    run.refresh_from_db()
    assert (run.status, run.fetched, run.created, run.error) == (SyncStatus.SUCCEEDED, 3, 2, "")
    assert run.started_at is not None
    assert run.finished_at >= run.started_at


def test_tracked_run_records_failure_as_one_line_and_reraises():
    with pytest.raises(RuntimeError), sync_runs.tracked_run(source=SyncSource.TRIBUTE_PRODUCTS) as run:
        raise RuntimeError("supplier said\nno")

    run.refresh_from_db()
    assert (run.status, run.error) == (SyncStatus.FAILED, "supplier said no")


def test_finished_run_cannot_be_restarted():
    run = SyncRun.objects.create(source=SyncSource.GAMESDROP_OFFERS, status=SyncStatus.SUCCEEDED)

    with pytest.raises(InvalidTransition):
        run.set_status(SyncStatus.RUNNING)


def test_queued_run_already_started_is_skipped_by_a_second_delivery():
    run = SyncRun.objects.create(source=SyncSource.GAMESDROP_OFFERS, status=SyncStatus.RUNNING)

    assert sync_runs.run_queued_sync(run_id=run.pk) == f"run {run.pk} skipped (running)"


def test_ensure_schedules_twice_leaves_one_schedule_each(settings):
    settings.SYNC_OFFERS_EVERY_MINUTES = 15
    settings.SYNC_PRODUCTS_EVERY_MINUTES = 60

    ensure_schedules()
    ensure_schedules()

    rows = {s.name: (s.func, s.args, s.minutes) for s in Schedule.objects.all()}
    assert rows == {
        "sync-gamesdrop-offers": ("catalog.tasks.scheduled_sync", "'gamesdrop_offers'", 15),
        "sync-tribute-products": ("catalog.tasks.scheduled_sync", "'tribute_products'", 60),
    }


def test_changed_interval_updates_the_existing_schedule(settings):
    ensure_schedules()
    settings.SYNC_OFFERS_EVERY_MINUTES = 5

    ensure_schedules()

    assert Schedule.objects.get(name="sync-gamesdrop-offers").minutes == 5
    assert Schedule.objects.count() == 2
