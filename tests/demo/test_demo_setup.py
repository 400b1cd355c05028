"""`manage.py demo_setup`: every step, twice, leaves one copy of each thing."""

import io

import pytest
from django.core.management import call_command
from django_q.models import OrmQ, Schedule

from catalog.models import Gift, PartnerSite, SyncRun, TelegramGift
from orders.models import PurchaseReport


def demo_setup() -> list[str]:
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_demo_setup_run_twice_leaves_one_copy_of_everything(
    settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass")

    with django_capture_on_commit_callbacks(execute=True):
        first = demo_setup()
    with django_capture_on_commit_callbacks(execute=True):
        second = demo_setup()

    runs = {run.source: run.pk for run in SyncRun.objects.all()}
    assert [line.split(":")[0] for line in first] == [
        "Demo gifts",
        "Partner site",
        "Supplier catalogs",
        "GamesDrop offers",
        "Orders",
        "Telegram purchase reports",
        "Admin login",
    ]
    assert second[0] == "Demo gifts: 5 demo gifts in 4 languages (0 new)"
    assert second[1] == (
        f"Partner site: partner site 'sandbox' updated, pointing at {settings.SANDBOX_BASE_URL}/partner"
    )
    assert second[2] == (
        f"Supplier catalogs: 11 Telegram gifts; Tribute products sync #{runs['tribute_products']} queued "
        "(runs once the server and task queue are up)"
    )
    assert second[3] == (
        f"GamesDrop offers: sync run #{runs['gamesdrop_offers']} queued (runs once the sandbox answers); "
        "schedules ensured"
    )
    assert first[4] == (
        "Orders: queued: a delivered Telegram gift, offer 999 completed with its key, a top-up processing"
    )
    assert second[4] == "Orders: demo orders already queued (placed once the task queue runs)"
    assert second[5] == "Telegram purchase reports: 2 waiting, 1 pending, 1 reported, 1 failed"
    assert second[6] == "Admin login: admin / demo-pass"
    assert (Gift.objects.count(), PartnerSite.objects.count(), TelegramGift.objects.count()) == (5, 1, 11)
    # Queued: two syncs, the demo orders and one send of the pending demo report; schedules: the two
    # catalog syncs, the order poll, the report sender and the balance read.
    assert (SyncRun.objects.count(), OrmQ.objects.count(), Schedule.objects.count()) == (2, 4, 5)
    assert PurchaseReport.objects.count() == 5
