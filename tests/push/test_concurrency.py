"""One active run per partner site, even when two start at the same moment (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from catalog.models import PushRun
from catalog.publishing.errors import PushError
from catalog.publishing.runs import start_run
from tests.push.factories import PartnerSiteFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_pushes_started_at_once_on_one_site_record_one_run(postgres_only):
    # given
    site = PartnerSiteFactory()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def start() -> None:
        try:
            barrier.wait()
            start_run(site=site, gift_ids=[1])
            outcomes.append("started")
        except PushError:
            outcomes.append("refused")
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then
    assert sorted(outcomes) == ["refused", "refused", "refused", "started"]
    assert PushRun.objects.filter(site=site).count() == 1
