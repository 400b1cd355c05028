"""A push whose process is killed is seen dead within seconds and no longer blocks its site."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import F

from catalog.models import PartnerSite, PushRun
from catalog.publishing.runs import start_run
from giftoffice.runs.models import RunStatus
from tests.conftest import poll_until
from tests.push.factories import GiftFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_a_killed_push_is_dead_within_seconds_and_frees_its_site(settings):
    # given: a site that accepts connections and never answers, and a push to it in another process
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    site = PartnerSite.objects.create(
        name="silent", base_url=f"http://127.0.0.1:{port}/p", timeout_seconds=60
    )
    GiftFactory()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "GIFTOFFICE_TESTING": "1",
        "DEBUG": "0",
        "RUN_HEARTBEAT_THREAD": "1",
        "RUN_HEARTBEAT_SECONDS": "0.2",
    }
    root = Path(settings.BASE_DIR)
    command = [sys.executable, str(root / "manage.py"), "push_gifts", "--site", "silent", "--all"]
    process = subprocess.Popen(
        command, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # when: its heartbeat is seen beating while the process waits for the site, then it is killed
        running = PushRun.objects.filter(
            site=site, status=RunStatus.RUNNING, heartbeat_at__gt=F("started_at")
        )
        run = poll_until(running.first, timeout=30)
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        silent.close()
    settings.RUN_DEAD_AFTER_SECONDS = 1.5
    # then: seconds later the run is dead, and a new push of the site is accepted
    poll_until(lambda: PushRun.objects.get(pk=run.pk).is_dead, timeout=10)
    assert start_run(site=site).status == RunStatus.QUEUED
    assert PushRun.objects.get(pk=run.pk).status == RunStatus.RUNNING  # dead, kept as it was left
