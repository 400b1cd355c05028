"""The one run lifecycle (giftoffice.runs), exercised through a concrete kind (SyncRun)."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import SyncRun, SyncSource
from giftoffice.runs import services
from giftoffice.runs.models import RunStatus
from giftoffice.runs.services import RunFailed, RunKind, RunLost
from giftoffice.transitions import InvalidTransition
from tests.conftest import poll_until

pytestmark = pytest.mark.django_db

done_work: list[int] = []
KIND = RunKind(model=SyncRun, work=lambda run: done_work.append(run.pk))


def _run(**values) -> SyncRun:
    return SyncRun.objects.create(source=SyncSource.TRIBUTE_PRODUCTS, **values)


def _ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


def test_a_queued_run_is_claimed_once_and_a_second_claim_leaves_it_alone():
    run = _run()

    first = services.claim(KIND, run_id=run.pk, claimed_by="task 1@a")
    second = services.claim(KIND, run_id=run.pk, claimed_by="task 2@b")

    run.refresh_from_db()
    assert (first is not None, second) == (True, None)
    assert (run.status, run.claimed_by) == (RunStatus.RUNNING, "task 1@a")
    assert run.started_at == run.heartbeat_at


def test_a_running_run_whose_heartbeat_stopped_is_dead_and_claimed_again(settings):
    settings.RUN_DEAD_AFTER_SECONDS = 8
    run = _run(status=RunStatus.RUNNING, claimed_by="task 1@a", started_at=_ago(60), heartbeat_at=_ago(9))

    assert run.dead_since() == run.heartbeat_at
    resumed = services.claim(KIND, run_id=run.pk, claimed_by="task 2@b")

    assert (resumed.status, resumed.claimed_by, resumed.started_at) == (
        RunStatus.RUNNING,
        "task 2@b",
        run.started_at,
    )
    assert resumed.dead_since() is None


def test_a_worker_replaced_as_dead_cannot_overwrite_its_successor():
    # given: worker A claimed the run, went silent, and B took it over
    run = _run()
    worker_a = services.claim(KIND, run_id=run.pk, claimed_by="task 1@a")
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=_ago(60))
    worker_b = services.claim(KIND, run_id=run.pk, claimed_by="task 2@b")
    # when A wakes up
    with pytest.raises(RunLost):
        services.save_progress(worker_a, "fetched")
    finished = services.finish(worker_a, RunStatus.SUCCEEDED)
    # then B's record stands
    run.refresh_from_db()
    assert finished is False
    assert (run.status, run.claimed_by) == (RunStatus.RUNNING, worker_b.claimed_by)


def test_execute_runs_the_kinds_work_and_finishes_with_its_outcome():
    run = _run()

    result = services.execute(KIND, run_id=run.pk, claimed_by=services.this_process())

    assert done_work[-1] == run.pk
    assert (result.status, result.finished_at is not None) == (RunStatus.SUCCEEDED, True)
    assert services.execute(KIND, run_id=run.pk, claimed_by="again").status == RunStatus.SUCCEEDED
    assert done_work.count(run.pk) == 1


def test_run_failed_is_recorded_as_one_line_and_not_raised_while_a_bug_is_raised():
    def clean_failure(run):
        raise RunFailed("supplier down")

    def bug(run):
        raise ZeroDivisionError("division by zero")

    clean, buggy = _run(), _run()

    services.execute(RunKind(model=SyncRun, work=clean_failure), run_id=clean.pk, claimed_by="p")
    with pytest.raises(ZeroDivisionError):
        services.execute(RunKind(model=SyncRun, work=bug), run_id=buggy.pk, claimed_by="p")

    clean.refresh_from_db()
    buggy.refresh_from_db()
    assert (clean.status, clean.message) == (RunStatus.FAILED, "supplier down")
    assert (buggy.status, buggy.message) == (RunStatus.FAILED, "division by zero")


def test_dead_runs_are_failed_with_the_time_of_their_last_heartbeat(settings):
    settings.RUN_DEAD_AFTER_SECONDS = 8
    dead = _run(status=RunStatus.RUNNING, started_at=_ago(30), heartbeat_at=_ago(9))
    alive = _run(status=RunStatus.RUNNING, started_at=_ago(600), heartbeat_at=_ago(1))
    queued = _run(created_at=_ago(600))

    failed = services.fail_dead_runs(SyncRun.objects.all())

    assert [run.pk for run in failed] == [dead.pk]
    dead.refresh_from_db()
    assert dead.message.startswith("dead: no heartbeat since ")
    assert dict(SyncRun.objects.filter(pk__in=[alive.pk, queued.pk]).values_list("pk", "status")) == {
        alive.pk: RunStatus.RUNNING,
        queued.pk: RunStatus.QUEUED,
    }


def test_a_finished_run_cannot_move_again():
    run = _run(status=RunStatus.PARTLY_FAILED)

    with pytest.raises(InvalidTransition, match="SyncRun: cannot move from partly_failed to running"):
        run.set_status(RunStatus.RUNNING)


def test_errors_are_kept_up_to_the_cap(monkeypatch):
    from giftoffice.runs import models

    monkeypatch.setattr(models, "MAX_STORED_ERRORS", 2)
    run = _run()
    for n in range(3):
        run.add_error(error=f"e{n}")

    assert run.errors == [{"error": "e0"}, {"error": "e1"}]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_while_the_work_is_blocked(settings):
    # given: the thread on, a beat every 50 ms, and work that waits for the test
    settings.RUN_HEARTBEAT_THREAD = True
    settings.RUN_HEARTBEAT_SECONDS = 0.05
    release = threading.Event()
    beats: list = []

    def blocked(run):
        first = SyncRun.objects.get(pk=run.pk).heartbeat_at
        poll_until(lambda: SyncRun.objects.get(pk=run.pk).heartbeat_at > first, timeout=5)
        beats.append(True)
        release.set()

    run = _run()
    # when
    result = services.execute(RunKind(model=SyncRun, work=blocked), run_id=run.pk, claimed_by="p")
    # then: the heartbeat moved while the work was blocked, and the run finished
    assert beats == [True]
    assert result.status == RunStatus.SUCCEEDED
