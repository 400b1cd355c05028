"""Campaigns through a real django-q2 cluster (`manage.py qcluster` as a subprocess, on the test
database, sending to the sandbox served by the live server): a campaign longer than the task timeout
completes, each recipient sent once; kill -9 of the cluster mid-campaign, several times, never sends a
gift twice, leaves the gift in flight OUTCOME_UNKNOWN, and the rest are sent."""

import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from giftoffice.runs.models import RunStatus
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import GiftlySentGift
from orders import tasks
from orders.models import Campaign, CampaignRun, CampaignStatus, OrderStatus, Sale, SupplierOrder
from orders.services import campaigns, queue
from tests.conftest import poll_until

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
Q_TIMEOUT = 20
DEAD_AFTER_SECONDS = 3


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def cluster(sandbox, settings, tmp_path):
    """Starts `manage.py qcluster` on the test database (its own process group); every one started is
    killed at the end, whatever happens. Call it to start one; `.kill(proc)` is kill -9 of its group."""
    if "redis" in settings.Q_CLUSTER:
        pytest.skip("the cluster shares the test database as its queue (the ORM broker)")
    settings.SANDBOX_GIFTLY_BALANCE_RUB = "1000000"
    settings.RUN_DEAD_AFTER_SECONDS = DEAD_AFTER_SECONDS
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url(),
        "GIFTOFFICE_TESTING": "1",
        "GIFTOFFICE_SANDBOX": "1",
        "GIFTLY_BASE_URL": f"{sandbox}/giftly",
        "Q_TIMEOUT": str(Q_TIMEOUT),
        "Q_RETRY": str(Q_TIMEOUT + 2),
        "Q_WORKERS": "1",
        "RUN_HEARTBEAT_THREAD": "1",
        "RUN_HEARTBEAT_SECONDS": "0.5",
        "RUN_DEAD_AFTER_SECONDS": str(DEAD_AFTER_SECONDS),
        "INTEGRATION_BACKOFF_SECONDS": "0",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    env.pop("Q_SYNC", None)
    started: list[subprocess.Popen] = []
    log = (tmp_path / "qcluster.log").open("ab")

    class Cluster:
        def start(self) -> subprocess.Popen:
            proc = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            started.append(proc)
            return proc

        def kill(self, proc: subprocess.Popen) -> None:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    try:
        yield Cluster()
    finally:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def slow_giftly(*, sends: int, seconds: float) -> None:
    """Every buyGift answers `seconds` after Giftly recorded the gift: a supplier with latency."""
    faults.arm(provider="giftly", kind="commit_then_hang", path="buyGift", count=sends, delay_seconds=seconds)


def recipients(count: int) -> list[str]:
    return [str(7_000_001 + 10 * n) for n in range(count)]  # none ends in the sandbox's "unknown" suffix


def start_campaign(gift, ids: list[str]) -> CampaignRun:
    preview = campaigns.preview_campaign(telegram_gift=gift, recipients=ids)
    return queue.create_campaign(preview=preview)  # its first task queued on commit


def status_of(campaign: Campaign) -> str:
    campaign.refresh_from_db()
    return campaign.status


def test_a_campaign_longer_than_the_task_timeout_sends_every_recipient_once(cluster, teddy):
    ids = recipients(1200)
    slow_giftly(sends=1200, seconds=0.015)
    run = start_campaign(teddy, ids)
    proc = cluster.start()

    def settled() -> bool:
        # The campaign finishes in the last chunk's transaction; its run's outcome is written just after.
        run.refresh_from_db()
        return status_of(run.campaign) != CampaignStatus.SENDING and run.status not in (
            RunStatus.QUEUED,
            RunStatus.RUNNING,
        )

    # About 40 s on a quiet 2-core machine; the deadline leaves room for a busy one.
    poll_until(settled, timeout=240, interval=0.5)
    cluster.kill(proc)

    run.refresh_from_db()
    assert run.campaign.status == CampaignStatus.FINISHED
    assert (run.status, run.total, run.done, run.sent, run.unknown, run.failed) == (
        RunStatus.SUCCEEDED,
        1200,
        1200,
        1200,
        0,
        0,
    )
    assert (run.finished_at - run.started_at).total_seconds() > Q_TIMEOUT  # outlived the task timeout
    assert CampaignRun.objects.count() == 1
    assert sorted(GiftlySentGift.objects.values_list("recipient", flat=True)) == sorted(ids)
    assert Counter(SupplierOrder.objects.values_list("status", flat=True)) == {OrderStatus.COMPLETED: 1200}


def resume_if_paused(campaign: Campaign) -> None:
    # Paused at the send in flight at a kill (now OUTCOME_UNKNOWN): staff resume, as they would.
    if status_of(campaign) == CampaignStatus.PAUSED:
        queue.resume_campaign(campaign=campaign)


def recover(campaign: Campaign) -> bool:
    """What the schedule's sweep and staff do after a worker died: True once someone will send on."""
    resume_if_paused(campaign)
    if status_of(campaign) != CampaignStatus.SENDING:
        return True
    if CampaignRun.objects.filter(campaign=campaign, status=RunStatus.QUEUED).exists():
        return True
    return bool(tasks.resume_stranded_runs())  # the poll schedule's sweep of dead runs


def test_kill_9_of_the_cluster_mid_campaign_never_sends_twice_and_the_rest_are_sent(cluster, teddy):
    ids = recipients(300)
    slow_giftly(sends=400, seconds=0.02)
    run = start_campaign(teddy, ids)
    campaign = run.campaign
    in_flight: set[int] = set()

    for _kill in range(3):
        proc = cluster.start()
        before = GiftlySentGift.objects.count()

        def sent_more(before: int = before) -> bool:
            resume_if_paused(campaign)
            return (
                GiftlySentGift.objects.count() >= before + 30
                or status_of(campaign) == CampaignStatus.FINISHED
            )

        poll_until(sent_more, timeout=60, interval=0.2)
        cluster.kill(proc)
        in_flight |= set(
            SupplierOrder.objects.filter(status=OrderStatus.SUBMITTING).values_list("pk", flat=True)
        )
        poll_until(lambda: recover(campaign), timeout=DEAD_AFTER_SECONDS + 15, interval=0.2)

    proc = cluster.start()

    def finished() -> bool:
        resume_if_paused(campaign)
        return status_of(campaign) == CampaignStatus.FINISHED

    poll_until(finished, timeout=120, interval=0.2)
    cluster.kill(proc)

    orders = Counter(SupplierOrder.objects.values_list("status", flat=True))
    gifts = Counter(GiftlySentGift.objects.values_list("recipient", flat=True))
    completed = set(
        SupplierOrder.objects.filter(status=OrderStatus.COMPLETED).values_list(
            "sale__recipient_id", flat=True
        )
    )
    unknown = set(
        SupplierOrder.objects.filter(status=OrderStatus.OUTCOME_UNKNOWN).values_list(
            "sale__recipient_id", flat=True
        )
    )
    assert Sale.objects.count() == len(ids)  # one sale per recipient
    assert sorted(str(r) for r in Sale.objects.values_list("recipient_id", flat=True)) == sorted(ids)
    assert set(orders) <= {OrderStatus.COMPLETED, OrderStatus.OUTCOME_UNKNOWN}  # nothing left unsent
    assert max(gifts.values()) == 1  # never a second gift to anyone
    # Giftly holds a gift for every send we know went, and none we did not try; an unknown one may have
    # gone or not (that is why it is unknown).
    assert completed <= {int(r) for r in gifts} <= completed | unknown
    assert len(completed) + len(unknown) == len(ids)
    assert in_flight  # a kill landed inside a send at least once
    assert set(SupplierOrder.objects.filter(pk__in=in_flight).values_list("status", flat=True)) == {
        OrderStatus.OUTCOME_UNKNOWN
    }
