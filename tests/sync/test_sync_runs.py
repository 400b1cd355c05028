import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.exceptions import TimeoutException
from django_q.models import Schedule

from catalog.models import Product, SyncRun, SyncSource
from catalog.services import sync_runs
from catalog.services.schedules import ensure_schedules
from giftoffice.demo.suppliers import load_demo_products
from giftoffice.runs.models import RunStatus
from giftoffice.transitions import InvalidTransition
from tests.suppliers.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_tracked_run_records_success_with_counts():
    with sync_runs.tracked_run(source=SyncSource.GAMESDROP_OFFERS) as run:
        run.fetched, run.created = 3, 2

    run.refresh_from_db()
    assert (run.status, run.fetched, run.created, run.message) == (RunStatus.SUCCEEDED, 3, 2, "")
    assert run.started_at is not None
    assert run.finished_at >= run.started_at


def test_tracked_run_records_failure_as_one_line_and_reraises():
    with pytest.raises(RuntimeError), sync_runs.tracked_run(source=SyncSource.TRIBUTE_PRODUCTS) as run:
        raise RuntimeError("supplier said\nno")

    run.refresh_from_db()
    assert (run.status, run.message) == (RunStatus.FAILED, "supplier said no")


def test_finished_run_cannot_be_restarted():
    run = SyncRun.objects.create(source=SyncSource.GAMESDROP_OFFERS, status=RunStatus.SUCCEEDED)

    with pytest.raises(InvalidTransition):
        run.set_status(RunStatus.RUNNING)


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


def test_setup_schedules_command_is_idempotent(settings):
    settings.ORDERS_POLL_EVERY_MINUTES = 1
    settings.TELEGRAM_REPORTS_EVERY_MINUTES = 1
    settings.SYNC_OFFERS_EVERY_MINUTES = 15
    settings.SYNC_PRODUCTS_EVERY_MINUTES = 60
    outputs = []

    for _ in range(2):
        out = io.StringIO()
        call_command("setup_schedules", stdout=out)
        outputs.append(out.getvalue())

    expected = (
        "sync-gamesdrop-offers: every 15 min -> catalog.tasks.scheduled_sync('gamesdrop_offers')\n"
        "sync-tribute-products: every 60 min -> catalog.tasks.scheduled_sync('tribute_products')\n"
        "poll-supplier-orders: every 1 min -> orders.tasks.poll_open_orders()\n"
        "report-telegram-purchases: every 1 min -> orders.tasks_reports.send_reports()\n"
        "read-supplier-balances: every 5 min -> orders.services.balance.refresh_balances()\n"
    )
    assert outputs == [expected, expected]
    assert sorted(Schedule.objects.values_list("name", flat=True)) == [
        "poll-supplier-orders",
        "read-supplier-balances",
        "report-telegram-purchases",
        "sync-gamesdrop-offers",
        "sync-tribute-products",
    ]


def test_changed_interval_updates_the_existing_schedule(settings):
    ensure_schedules()
    settings.SYNC_OFFERS_EVERY_MINUTES = 5

    ensure_schedules()

    assert Schedule.objects.get(name="sync-gamesdrop-offers").minutes == 5
    assert Schedule.objects.count() == 2


def test_tracked_run_records_a_task_timeout_as_failed_and_reraises():
    # django-q2's TimeoutException is a SystemExit, which `except Exception` would miss
    with pytest.raises(TimeoutException), sync_runs.tracked_run(source=SyncSource.GAMESDROP_OFFERS) as run:
        raise TimeoutException("Task exceeded maximum timeout value (300 seconds)")

    run.refresh_from_db()
    assert (run.status, run.message) == (
        RunStatus.FAILED,
        "Task exceeded maximum timeout value (300 seconds)",
    )


def running_with_heartbeat(seconds_ago: float) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        source=SyncSource.TRIBUTE_PRODUCTS,
        status=RunStatus.RUNNING,
        started_at=now - timedelta(seconds=600),
        heartbeat_at=now - timedelta(seconds=seconds_ago),
    )


def test_a_run_whose_heartbeat_stopped_is_failed_as_dead_and_a_new_sync_is_queued(
    settings, django_capture_on_commit_callbacks
):
    # given a run whose worker was killed: its last heartbeat is older than the dead limit
    settings.RUN_DEAD_AFTER_SECONDS = 8
    dead = running_with_heartbeat(9)
    last_beat = dead.heartbeat_at

    # when the demo step looks for a pending sync
    with django_capture_on_commit_callbacks(execute=False):
        message = load_demo_products()

    # then the dead run is failed with a clear message and a new one is queued
    dead.refresh_from_db()
    assert (dead.status, dead.message) == (
        RunStatus.FAILED,
        f"dead: no heartbeat since {last_beat.isoformat(timespec='seconds')} "
        "(its process was killed or crashed)",
    )
    assert dead.finished_at is not None
    new = SyncRun.objects.exclude(pk=dead.pk).get()
    assert new.status == RunStatus.QUEUED
    assert f"Tribute products sync #{new.pk} queued" in message


def test_a_long_run_with_a_fresh_heartbeat_still_counts_as_pending(settings):
    # given a run started 10 minutes ago whose worker beat 2 s ago
    settings.RUN_DEAD_AFTER_SECONDS = 8
    live = running_with_heartbeat(2)

    message = load_demo_products()

    live.refresh_from_db()
    assert live.status == RunStatus.RUNNING
    assert SyncRun.objects.count() == 1
    assert f"Tribute products sync #{live.pk} queued" in message


def test_a_run_is_dead_within_seconds_by_default():
    from django.conf import settings

    assert (settings.RUN_HEARTBEAT_SECONDS, settings.RUN_DEAD_AFTER_SECONDS) == (2.0, 8.0)


# --- helpers shared by the sync services ------------------------------------------------------------


def test_record_counts_sets_all_five_counts_saved_with_the_run():
    with sync_runs.tracked_run(source=SyncSource.TRIBUTE_PRODUCTS) as run:
        sync_runs.record_counts(run, fetched=9, created=1, updated=2, unchanged=5, removed=1)

    run.refresh_from_db()
    assert (run.fetched, run.created, run.updated, run.unchanged, run.removed) == (9, 1, 2, 5, 1)


def test_update_in_chunks_updates_only_the_rows_asked_for_a_chunk_per_statement(django_assert_num_queries):
    # given five listed products and one already removed
    earlier = timezone.now() - timedelta(days=1)
    now = timezone.now()
    listed = [ProductFactory(remote_id=i) for i in range(1, 6)]
    ProductFactory(remote_id=6, removed_at=earlier)
    ProductFactory(remote_id=7)

    # when 1..6 are marked removed, two ids per statement
    with django_assert_num_queries(3):
        marked = sync_runs.update_in_chunks(
            Product.objects.filter(removed_at__isnull=True),
            field="remote_id",
            values=[1, 2, 3, 4, 5, 6],
            chunk=2,
            removed_at=now,
            updated_at=now,
        )

    # then
    assert marked == len(listed)
    assert dict(Product.objects.values_list("remote_id", "removed_at")) == {
        **{i: now for i in range(1, 6)},
        6: earlier,
        7: None,
    }


def test_mark_removed_stamps_removed_at_and_updated_at():
    now = timezone.now()
    product = ProductFactory(remote_id=1)

    assert sync_runs.mark_removed(Product.objects.all(), field="pk", values=[product.pk], now=now) == 1

    product.refresh_from_db()
    assert (product.removed_at, product.updated_at) == (now, now)
