"""sync_products against the Tribute sandbox over real HTTP."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from catalog.models import Product, SyncRun, SyncSource
from catalog.services import sync_queue
from catalog.services.products import sync_products
from giftoffice.integrations.base import UnavailableError
from giftoffice.runs.models import RunStatus
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import TributeSandboxProduct
from giftoffice.sandbox.providers.tribute import generated_product

from .factories import SandboxTributeProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

SPEC_DESCRIPTION = "Высокоскоростной VPN-сервис с неограниченным трафиком и 50+ серверами по всему миру"  # noqa: RUF001


def counts(run: SyncRun) -> tuple:
    return (run.status, run.fetched, run.created, run.updated, run.unchanged, run.removed)


def snapshot() -> dict[int, tuple]:
    return {p.remote_id: (p.amount, p.name_ru, p.removed_at, p.updated_at) for p in Product.objects.all()}


def test_first_sync_mirrors_every_product_field_for_field(sandbox):
    run = sync_products()

    assert counts(run) == (RunStatus.SUCCEEDED, 123, 123, 0, 0, 0)
    assert run.source == SyncSource.TRIBUTE_PRODUCTS
    vpn = Product.objects.get(remote_id=2548)
    assert {
        "type": vpn.type,
        "name_ru": vpn.name_ru,
        "description_ru": vpn.description_ru,
        "amount": vpn.amount,
        "currency": vpn.currency,
        "stars": (vpn.stars_amount, vpn.stars_amount_enabled),
        "status": vpn.status,
        "flags": (vpn.is_custom, vpn.accept_cards, vpn.accept_wallet_pay, vpn.protect_content),
        "pending_orders": vpn.pending_orders,
        "links": (vpn.image_url, vpn.link, vpn.web_link),
        "remote": (vpn.remote_created, vpn.remote_updated),
        "removed_at": vpn.removed_at,
    } == {
        "type": "digital",
        "name_ru": "Доступ к VPN на 1 месяц",
        "description_ru": SPEC_DESCRIPTION,
        "amount": 499,
        "currency": "usd",
        "stars": (100, True),
        "status": "approved",
        "flags": (False, True, False, True),
        "pending_orders": 3,
        "links": (
            "https://cdn.example.com/image.jpg",
            "https://t.me/tribute_bot/app?startapp=pf6",
            "https://web.tribute.tg/p/f6",
        ),
        "remote": (datetime(2025, 8, 25, 10, 30, tzinfo=UTC), datetime(2025, 8, 25, 10, 30, tzinfo=UTC)),
        "removed_at": None,
    }


def test_the_feed_text_fills_russian_and_other_languages_fall_back_to_it(sandbox):
    sync_products()
    vpn = Product.objects.get(remote_id=2548)
    vpn.name_en = "VPN access, 1 month"
    vpn.save()

    with translation.override("en"):
        assert Product.objects.get(remote_id=2548).name == "VPN access, 1 month"
    with translation.override("ro"):
        assert Product.objects.get(remote_id=2548).name == "Доступ к VPN на 1 месяц"
    assert (vpn.name_ro, vpn.name_uk) == (None, None)


def test_a_second_sync_of_an_unchanged_feed_writes_nothing(sandbox):
    sync_products()
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        run = sync_products()

    assert counts(run) == (RunStatus.SUCCEEDED, 123, 0, 0, 123, 0)
    assert snapshot() == before
    product_writes = [
        q["sql"]
        for q in queries
        if "catalog_product" in q["sql"] and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert product_writes == []


def test_a_changed_product_is_updated_and_staff_translations_survive(sandbox):
    sync_products()
    Product.objects.filter(remote_id=2548).update(name_en="VPN access", name_ro="Acces VPN")
    untouched_before = Product.objects.get(remote_id=2549).updated_at
    TributeSandboxProduct.objects.filter(id=2548).update(amount=599, name="VPN на месяц", pending_orders=4)

    run = sync_products()

    assert counts(run) == (RunStatus.SUCCEEDED, 123, 0, 1, 122, 0)
    vpn = Product.objects.get(remote_id=2548)
    assert (vpn.amount, vpn.name_ru, vpn.pending_orders) == (599, "VPN на месяц", 4)
    assert (vpn.name_en, vpn.name_ro) == ("VPN access", "Acces VPN")
    assert vpn.updated_at >= run.started_at
    assert Product.objects.get(remote_id=2549).updated_at == untouched_before


def test_vanished_products_are_marked_removed_never_deleted(sandbox):
    sync_products()
    TributeSandboxProduct.objects.filter(id__in=[2501, 2502]).delete()

    run = sync_products()
    again = sync_products()

    assert counts(run) == (RunStatus.SUCCEEDED, 121, 0, 0, 121, 2)
    assert counts(again) == (RunStatus.SUCCEEDED, 121, 0, 0, 121, 0)
    assert Product.objects.count() == 123
    removed = Product.objects.filter(removed_at__isnull=False)
    assert sorted(removed.values_list("remote_id", flat=True)) == [2501, 2502]
    assert all(run.started_at <= p.removed_at <= run.finished_at for p in removed)


def test_a_product_that_comes_back_is_restored(sandbox):
    sync_products()
    TributeSandboxProduct.objects.filter(id=2501).delete()
    sync_products()
    generated_product(2501).save()

    run = sync_products()

    assert counts(run) == (RunStatus.SUCCEEDED, 123, 0, 1, 122, 0)
    assert Product.objects.get(remote_id=2501).removed_at is None


def test_new_products_in_the_feed_are_created(sandbox):
    sync_products()
    SandboxTributeProductFactory.create_batch(2)

    run = sync_products()

    assert counts(run) == (RunStatus.SUCCEEDED, 125, 2, 0, 123, 0)
    assert Product.objects.filter(type="physical", currency="rub", amount=2500).count() == 2


def test_an_emptied_feed_marks_everything_removed(sandbox):
    sync_products()
    TributeSandboxProduct.objects.all().delete()

    run = sync_products()

    assert counts(run) == (RunStatus.SUCCEEDED, 0, 0, 0, 0, 123)
    assert Product.objects.filter(removed_at__isnull=True).count() == 0


def test_a_sync_failing_on_a_later_page_leaves_the_previous_catalog_intact(sandbox):
    sync_products()
    before = snapshot()
    TributeSandboxProduct.objects.filter(id=2548).update(amount=1)
    TributeSandboxProduct.objects.filter(id=2623).delete()

    def break_page_two(fetched: int, total: int) -> None:
        if fetched == 100:
            faults.arm(provider="tribute", kind="http_503", count=10)

    with pytest.raises(UnavailableError):
        sync_products(progress=break_page_two)

    assert snapshot() == before
    failed = SyncRun.objects.latest("id")
    assert (failed.status, failed.message) == (
        RunStatus.FAILED,
        "tribute: Service Unavailable (sandbox fault) (HTTP 503)",
    )


def test_a_dry_run_counts_the_changes_and_writes_nothing(sandbox):
    plans = []

    run = sync_products(dry_run=True, on_plan=plans.append)

    assert counts(run) == (RunStatus.SUCCEEDED, 123, 123, 0, 0, 0)
    assert run.dry_run is True
    assert Product.objects.count() == 0
    assert [c.describe() for c in plans[0].changes[:1]] == ["create 2501 'Доступ к закрытому каналу №2501'"]


def test_a_dry_run_lists_updates_and_removals_without_applying_them(sandbox):
    sync_products()
    before = snapshot()
    TributeSandboxProduct.objects.filter(id=2548).update(amount=599)
    TributeSandboxProduct.objects.filter(id=2501).delete()
    plans = []

    run = sync_products(dry_run=True, on_plan=plans.append)

    assert counts(run) == (RunStatus.SUCCEEDED, 122, 0, 1, 121, 1)
    assert [c.describe() for c in plans[0].changes] == [
        "update 2548 'Доступ к VPN на 1 месяц': amount: 499 -> 599",
        "remove 2501 'Доступ к закрытому каналу №2501'",
    ]
    assert snapshot() == before


def test_a_run_queued_from_the_admin_is_executed_by_the_task(sandbox, admin_user):
    run = sync_queue.enqueue_sync(source=SyncSource.TRIBUTE_PRODUCTS, user=admin_user)

    summary = sync_queue.run_queued_sync(run_id=run.pk)

    run.refresh_from_db()
    assert summary == "fetched 123, created 123, updated 0, unchanged 0, removed 0"
    assert (run.status, run.trigger, run.triggered_by) == (RunStatus.SUCCEEDED, "admin", admin_user)


def test_the_scheduled_sync_runs_the_products_service(sandbox):
    summary = sync_queue.run_scheduled_sync(source=SyncSource.TRIBUTE_PRODUCTS)

    assert summary == "fetched 123, created 123, updated 0, unchanged 0, removed 0"
    assert SyncRun.objects.get().trigger == "schedule"


def test_two_syncs_planning_at_once_both_succeed_without_duplicates(sandbox, postgres_only):
    # given: both runs have planned "create all 123" before either writes
    barrier = threading.Barrier(2, timeout=20)
    statuses: list[str] = []

    def sync() -> None:
        try:
            statuses.append(sync_products(on_plan=lambda plan: barrier.wait()).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED]
    assert Product.objects.count() == 123
    assert sorted(SyncRun.objects.values_list("created", flat=True)) == [123, 123]
