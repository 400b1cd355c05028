"""The one run page: status (dead included), progress, errors; it refreshes itself while the run goes on."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import PullRun, PushRun, SyncRun, SyncSource
from giftoffice.runs.models import RunStatus
from tests.push.factories import PartnerSiteFactory, UserFactory

pytestmark = pytest.mark.django_db

REFRESH = '<meta http-equiv="refresh" content="2">'


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_a_running_sync_run_page_refreshes_itself_and_stops_once_finished(admin):
    run = SyncRun.objects.create(
        source=SyncSource.GAMESDROP_OFFERS, status=RunStatus.RUNNING, heartbeat_at=timezone.now()
    )
    url = f"/en/admin/catalog/syncrun/{run.pk}/change/"

    running = admin.get(url).content.decode()
    SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    finished = admin.get(url).content.decode()

    assert REFRESH in running
    assert REFRESH not in finished


def test_a_killed_push_shows_dead_with_its_last_heartbeat_and_stops_refreshing(admin, settings):
    settings.RUN_DEAD_AFTER_SECONDS = 8
    last_beat = timezone.now() - timedelta(seconds=30)
    run = PushRun.objects.create(
        site=PartnerSiteFactory(), status=RunStatus.RUNNING, started_at=last_beat, heartbeat_at=last_beat
    )

    page = admin.get(f"/en/admin/catalog/pushrun/{run.pk}/change/").content.decode()
    listing = admin.get("/en/admin/catalog/pushrun/").content.decode()

    assert "dead (no heartbeat since " in page
    assert "dead (no heartbeat since " in listing
    assert REFRESH not in page


def test_pull_runs_have_their_own_admin_and_names(admin):
    site = PartnerSiteFactory(name="shop")
    pull = PullRun.objects.create(site=site, status=RunStatus.SUCCEEDED, created=3)
    PushRun.objects.create(site=site, status=RunStatus.SUCCEEDED, created=1)

    listing = admin.get("/en/admin/catalog/pullrun/")
    page = admin.get(f"/en/admin/catalog/pullrun/{pull.pk}/change/").content.decode()

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [pull]
    assert "Select pull run to view" in listing.content.decode()
    assert "pull from shop: create 3, update 0, unchanged 0, failed 0" in page
