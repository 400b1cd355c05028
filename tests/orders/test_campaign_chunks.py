"""A campaign is sent by short tasks, one chunk of sends each, the run handed from task to task; a dead
chunk is picked up by the poll schedule's sweep; Resume skips every unresolved unknown send."""

from datetime import timedelta

import pytest
from django.utils import timezone

from giftoffice.runs.models import RunStatus
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import GiftlySentGift
from orders import tasks as order_tasks
from orders.models import Campaign, CampaignRun, CampaignStatus, OrderStatus, SupplierOrder
from orders.services import campaigns, giftly, queue
from orders.tasks import poll_open_orders, run_campaign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    """The campaign tasks queued (django-q2 is not running here): their arguments, in order."""
    tasks: list[tuple] = []
    monkeypatch.setattr(order_tasks, "async_task", lambda func, *args, **kwargs: tasks.append(args))
    return tasks


def new_campaign(gift, count: int, *, first: int = 101) -> CampaignRun:
    recipients = [str(first + n) for n in range(count)]
    preview = campaigns.preview_campaign(telegram_gift=gift, recipients=recipients)
    return queue.create_campaign(preview=preview)


def sent_to() -> list[str]:
    return sorted(GiftlySentGift.objects.values_list("recipient", flat=True))


def test_the_chunk_budget_is_a_quarter_of_the_task_timeout_never_more_than_its_cap(settings):
    settings.CAMPAIGN_CHUNK_SENDS = 500
    settings.CAMPAIGN_CHUNK_MAX_SECONDS = 60.0

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 20}
    assert campaigns.chunk_budget() == campaigns.ChunkBudget(sends=500, seconds=5.0)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 300}
    assert campaigns.chunk_budget() == campaigns.ChunkBudget(sends=500, seconds=60.0)


def test_a_chunk_stops_at_its_send_budget_and_queues_the_next_chunk_which_goes_on(
    sandbox, teddy, calls, queued, settings
):
    settings.CAMPAIGN_CHUNK_SENDS = 2
    run = new_campaign(teddy, 5)
    assert queued == [(run.pk, "")]

    run_campaign(run.pk)

    run.refresh_from_db()
    assert calls[("giftly", "buyGift")] == 2
    assert (run.status, run.done, run.sent) == (RunStatus.RUNNING, 2, 2)
    assert run.claimed_by.startswith("hand-off ")
    assert queued[1:] == [(run.pk, run.claimed_by)]  # the next chunk, handed the run
    assert Campaign.objects.get().status == CampaignStatus.SENDING
    assert not campaigns.is_resumable(run.campaign)  # the run is alive between its chunks

    run_campaign(*queued[1])
    run_campaign(*queued[2])

    run.refresh_from_db()
    assert len(queued) == 3  # the last chunk queued nothing
    assert (run.status, run.total, run.done, run.sent) == (RunStatus.SUCCEEDED, 5, 5, 5)
    assert Campaign.objects.get().status == CampaignStatus.FINISHED
    assert calls[("giftly", "buyGift")] == 5
    assert sent_to() == ["101", "102", "103", "104", "105"]


def test_a_chunk_stops_at_its_time_budget_between_two_sends(sandbox, teddy, calls, queued, settings):
    settings.CAMPAIGN_CHUNK_MAX_SECONDS = 0.0  # spent as soon as the first send is done

    run = new_campaign(teddy, 3)
    run_campaign(run.pk)

    run.refresh_from_db()
    assert (run.status, run.done, run.sent) == (RunStatus.RUNNING, 1, 1)
    assert queued[1:] == [(run.pk, run.claimed_by)]
    assert calls[("giftly", "buyGift")] == 1


def test_a_second_delivery_of_a_chunk_task_sends_nothing(sandbox, teddy, calls, queued, settings):
    settings.CAMPAIGN_CHUNK_SENDS = 2
    run = new_campaign(teddy, 6)
    run_campaign(run.pk)
    run_campaign(*queued[1])  # the second chunk runs and hands off to the third

    run_campaign(*queued[1])  # delivered again: its token is spent
    run_campaign(run.pk)  # the first task delivered again: the run is running, alive

    run.refresh_from_db()
    assert calls[("giftly", "buyGift")] == 4
    assert (run.status, run.done, run.sent) == (RunStatus.RUNNING, 4, 4)
    assert len(queued) == 3
    run_campaign(*queued[2])
    run_campaign(*queued[2])
    run.refresh_from_db()
    assert (run.status, run.sent) == (RunStatus.SUCCEEDED, 6)
    assert calls[("giftly", "buyGift")] == 6
    assert sent_to() == ["101", "102", "103", "104", "105", "106"]


def test_the_poll_schedule_picks_up_a_campaign_whose_chunk_worker_died_and_sends_the_rest_once(
    sandbox, teddy, calls, queued, settings
):
    settings.CAMPAIGN_CHUNK_SENDS = 2
    run = new_campaign(teddy, 5)
    run_campaign(run.pk)
    # The next chunk's worker claimed the run and was killed before it sent anything.
    long_ago = timezone.now() - timedelta(minutes=5)
    CampaignRun.objects.filter(pk=run.pk).update(claimed_by="task 1@gone", heartbeat_at=long_ago)
    other = new_campaign(teddy, 1, first=900)  # alive (queued): not the sweep's business
    queued.clear()

    poll_open_orders()  # the schedule that already sweeps orders whose worker died

    assert queued == [(run.pk, "")]
    run_campaign(*queued[0])
    run_campaign(*queued[1])
    run.refresh_from_db()
    assert (run.status, run.sent) == (RunStatus.SUCCEEDED, 5)
    assert calls[("giftly", "buyGift")] == 5
    assert sent_to() == ["101", "102", "103", "104", "105"]
    assert CampaignRun.objects.get(pk=other.pk).status == RunStatus.QUEUED


def test_a_chunk_killed_mid_send_leaves_that_recipient_unknown_and_the_sweep_pauses_there(
    sandbox, teddy, calls, queued, settings
):
    settings.CAMPAIGN_CHUNK_SENDS = 2
    run = new_campaign(teddy, 4)
    run_campaign(run.pk)
    # The next chunk's worker claimed the third order and was killed before Giftly's answer.
    third = SupplierOrder.objects.filter(status=OrderStatus.NEW).order_by("id").first()
    SupplierOrder.objects.filter(pk=third.pk).update(status=OrderStatus.SUBMITTING)
    long_ago = timezone.now() - timedelta(minutes=5)
    CampaignRun.objects.filter(pk=run.pk).update(claimed_by="task 1@gone", heartbeat_at=long_ago)
    queued.clear()

    poll_open_orders()
    run_campaign(*queued[0])

    run.refresh_from_db()
    assert SupplierOrder.objects.get(pk=third.pk).status == OrderStatus.OUTCOME_UNKNOWN
    assert (run.status, run.sent, run.unknown) == (RunStatus.PARTLY_FAILED, 2, 1)
    assert Campaign.objects.get().status == CampaignStatus.PAUSED
    assert calls[("giftly", "buyGift")] == 2  # never resent


def test_resume_with_two_unresolved_unknowns_sends_every_other_recipient_in_one_run(
    sandbox, teddy, calls, queued
):
    faults.arm(provider="giftly", kind="commit_then_drop", path="buyGift")
    run = new_campaign(teddy, 50)
    run_campaign(run.pk)  # paused at the first recipient's unknown send
    faults.arm(provider="giftly", kind="commit_then_drop", path="buyGift")
    second = queue.resume_campaign(campaign=run.campaign)
    run_campaign(second.pk)  # paused at the second recipient's
    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.PAUSED
    assert SupplierOrder.objects.filter(status=OrderStatus.OUTCOME_UNKNOWN).count() == 2

    third = queue.resume_campaign(campaign=campaign)
    run_campaign(third.pk)

    third.refresh_from_db()
    campaign.refresh_from_db()
    assert (third.status, third.total, third.sent, third.unknown) == (RunStatus.SUCCEEDED, 48, 48, 0)
    assert campaign.status == CampaignStatus.FINISHED
    assert CampaignRun.objects.count() == 3
    assert calls[("giftly", "buyGift")] == 50  # the two unknown sends never went again
    assert SupplierOrder.objects.filter(status=OrderStatus.OUTCOME_UNKNOWN).count() == 2
    assert campaigns.campaign_counts(campaign) == {
        "sent": 48,
        "unknown": 2,
        "failed": 0,
        "in_progress": 0,
        "not_sent": 0,
    }


def test_a_send_refused_account_wide_pauses_the_campaign_with_the_reason_and_resume_sends_it(
    sandbox, teddy, calls, queued, monkeypatch
):
    real_send = giftly.send_gift
    refused = {"102"}

    def send_gift(*, sale, order, **kwargs):
        if str(sale.recipient_id) in refused:
            refused.clear()
            return giftly.SendResult(order=order, pause_reason="Giftly: insufficient balance")
        return real_send(sale=sale, order=order, **kwargs)

    monkeypatch.setattr(campaigns.giftly, "send_gift", send_gift)
    run = new_campaign(teddy, 3)

    run_campaign(run.pk)

    run.refresh_from_db()
    campaign = Campaign.objects.get()
    unsent = run.errors[0]["order"]  # the fake send never claimed it: it was dropped with the sales ahead
    paused = f"paused before recipient 102 (order {unsent}, not sent): Giftly: insufficient balance"
    assert (campaign.status, campaign.message) == (CampaignStatus.PAUSED, paused)
    assert (run.status, run.done, run.sent, run.failed, run.message) == (
        RunStatus.PARTLY_FAILED,
        1,
        1,
        0,
        paused,
    )
    assert [error["recipient"] for error in run.errors] == ["102"]
    assert campaigns.campaign_counts(campaign)["not_sent"] == 2
    assert calls[("giftly", "buyGift")] == 1

    resumed = queue.resume_campaign(campaign=campaign)
    run_campaign(resumed.pk)

    resumed.refresh_from_db()
    assert (resumed.status, resumed.sent) == (RunStatus.SUCCEEDED, 2)
    assert Campaign.objects.get().status == CampaignStatus.FINISHED
    assert sent_to() == ["101", "102", "103"]
