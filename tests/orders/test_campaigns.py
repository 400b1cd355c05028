"""Giftly promo campaigns: "Send to Telegram users…" from the Telegram gifts admin, a confirmation page
with the count, the total in RUB and the rejected ids, a queued run on the shared lifecycle with its
progress page, a pause at the first unknown outcome (resumable), a stop at the first auth error."""

import types
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from giftoffice.integrations.giftly import GiftlyClient
from giftoffice.runs.models import RunStatus, RunTrigger
from giftoffice.runs.services import execute, running, this_process
from giftoffice.sandbox import faults
from giftoffice.sandbox.models import GiftlyAccount, GiftlySentGift
from orders.models import (
    Campaign,
    CampaignRun,
    CampaignSale,
    CampaignStatus,
    OrderStatus,
    Sale,
    SupplierOrder,
)
from orders.services import campaigns, queue
from orders.services.status import claim_for_submission
from orders.tasks import run_campaign

pytestmark = pytest.mark.django_db(transaction=True)

GIFTS = "/en/admin/catalog/telegramgift/"
CAMPAIGNS = "/en/admin/orders/campaign/"


def staff(django_user_model, *codenames, name="promo"):
    user = django_user_model.objects.create_user(name, password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["orders", "catalog"], codename__in=codenames)
    )
    return user


def client_for(user, *, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.fixture
def promo(django_user_model):
    return client_for(staff(django_user_model, "view_telegramgift", "add_campaign"))


def send_url(gift) -> str:
    return f"{GIFTS}{gift.pk}/send/"


def form(recipients: str, **extra) -> dict:
    return {"recipients": recipients, "text": "", "buyer_id": "", "amount_paid": "", "currency": "", **extra}


def confirm(client, gift, data: dict):
    """The check, then "Send" on the confirmation page it shows (its one-time token included)."""
    page = client.post(send_url(gift), data)
    token = page.context["confirmation"]
    return client.post(send_url(gift), {**data, "confirm": "yes", "confirmation": token})


def preview(gift, recipients=(101, 102, 103), **kw) -> campaigns.CampaignPreview:
    return campaigns.preview_campaign(telegram_gift=gift, recipients=[str(r) for r in recipients], **kw)


def run_here(run: CampaignRun, **kw) -> CampaignRun:
    with running(run, claimed_by=this_process()):
        campaigns.send_campaign(run, **kw)
    run.refresh_from_db()
    return run


# --- the confirmation page ------------------------------------------------------------------------------


def test_confirmation_page_shows_count_total_in_rub_and_the_rejected_ids_and_creates_nothing(promo, teddy):
    page = promo.post(
        send_url(teddy), form("101\n12a\n-5\n102\n101\n\n103", amount_paid="2.5", currency="usd")
    )

    assert page.status_code == 200
    preview = page.context["preview"]
    assert preview.recipients == [101, 102, 103]
    assert preview.rejected == [("12a", "not numeric"), ("-5", "negative"), ("101", "duplicate")]
    assert preview.total_rub == Decimal("45.00")
    html = page.content.decode()
    assert '<td id="campaign-count">3</td>' in html
    assert '<td id="campaign-total">45.00 RUB</td>' in html
    assert "<li><code>12a</code>: not numeric</li>" in html
    assert "<li><code>-5</code>: negative</li>" in html
    assert "<li><code>101</code>: duplicate</li>" in html
    assert "Send to 3 recipients" in html
    assert (Campaign.objects.count(), Sale.objects.count(), GiftlySentGift.objects.count()) == (0, 0, 0)


def test_an_uploaded_file_of_ids_joins_the_pasted_ones(promo, teddy, tmp_path):
    listing = tmp_path / "ids.txt"
    listing.write_text("201\n202\n")

    with listing.open("rb") as upload:
        page = promo.post(send_url(teddy), {**form("200"), "recipients_file": upload})

    assert page.context["preview"].recipients == [200, 201, 202]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (form(""), "no valid recipient id"),
        (form("12a"), "no valid recipient id"),
        (form("7", amount_paid="0", currency="USD"), "amount paid must be more than 0, not 0"),
        (form("7", amount_paid="1", currency="DOGE"), "unknown currency &#x27;DOGE&#x27;"),
        (form("7", buyer_id="x"), "not numeric"),
        (form("\n".join(str(n) for n in range(1, 10_002))), "10001 recipients; at most 10,000 at once"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_created(promo, teddy, data, error):
    page = promo.post(send_url(teddy), {**data, "confirm": "yes"})

    assert page.status_code == 200
    assert error in page.content.decode()
    assert (Campaign.objects.count(), Sale.objects.count()) == (0, 0)


# --- sending -------------------------------------------------------------------------------------------


def test_confirming_queues_a_run_that_sends_one_sale_per_recipient_then_shows_its_progress_page(
    sandbox, promo, teddy
):
    data = form("101\n12a\n102\n103", text="Hi", buyer_id="42", amount_paid="1.50", currency="usd")

    response = confirm(promo, teddy, data)

    run = CampaignRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/admin/orders/campaignrun/{run.pk}/change/"
    assert run.status == RunStatus.QUEUED
    assert run_campaign(run.pk) == f"campaign run #{run.pk}: succeeded (sent 3, unknown 0, failed 0)"
    run.refresh_from_db()
    assert (run.status, run.trigger, run.total, run.done, run.sent, run.unknown, run.failed) == (
        RunStatus.SUCCEEDED,
        RunTrigger.ADMIN,
        3,
        3,
        3,
        0,
        0,
    )
    campaign = run.campaign
    assert campaign.status == CampaignStatus.FINISHED
    assert campaign.rejected == [["12a", "not numeric"]]
    assert sorted(GiftlySentGift.objects.values_list("recipient", "text")) == [
        ("101", "Hi"),
        ("102", "Hi"),
        ("103", "Hi"),
    ]
    assert set(Sale.objects.values_list("buyer_id", "amount_paid", "currency", "created_by__username")) == {
        (42, Decimal("1.5"), "USD", "promo")
    }
    page = promo.get(response["Location"]).content.decode()
    assert '<progress value="3" max="3"></progress> 3 / 3' in page
    assert 'http-equiv="refresh"' not in page  # finished: the page stops refreshing


def test_the_run_page_refreshes_itself_while_the_campaign_is_queued(promo, teddy):
    run = campaigns.create_campaign(preview=preview(teddy))

    page = promo.get(f"/en/admin/orders/campaignrun/{run.pk}/change/").content.decode()

    assert '<meta http-equiv="refresh" content="2">' in page
    assert "0 / 3" in page


def test_a_refused_send_is_counted_failed_and_the_campaign_goes_on(sandbox, teddy):
    run = run_here(campaigns.create_campaign(preview=preview(teddy, [101, 1000404, 103])))

    assert (run.status, run.sent, run.failed, run.unknown) == (RunStatus.PARTLY_FAILED, 2, 1, 0)
    assert run.errors[0]["recipient"] == "1000404"
    assert run.campaign.status == CampaignStatus.FINISHED


def test_commit_then_drop_pauses_at_the_first_unknown_outcome_and_resume_sends_the_rest_once(
    sandbox, teddy, calls, django_user_model
):
    faults.arm(provider="giftly", kind="commit_then_drop", path="buyGift")
    run = queue.create_campaign(preview=preview(teddy, [101, 102, 103]))

    run_campaign(run.pk)  # the queued task, as the worker runs it
    run.refresh_from_db()
    campaign = run.campaign
    unknown = SupplierOrder.objects.get()
    assert unknown.status == OrderStatus.OUTCOME_UNKNOWN
    assert (run.status, run.done, run.sent, run.unknown) == (RunStatus.PARTLY_FAILED, 1, 0, 1)
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.message.startswith(f"paused at the first unknown outcome: recipient 101, order {unknown}")
    assert calls[("giftly", "buyGift")] == 1
    assert Sale.objects.count() == 1  # the recipients after it have nothing created

    resumer = client_for(staff(django_user_model, "view_campaign", "resume_campaign", "view_campaignrun"))
    page = resumer.get(f"{CAMPAIGNS}{campaign.pk}/change/").content.decode()
    assert ">Resume</button>" in page
    response = resumer.post(f"{CAMPAIGNS}{campaign.pk}/resume/")

    second = CampaignRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == f"/en/admin/orders/campaignrun/{second.pk}/change/"
    run_campaign(second.pk)
    second.refresh_from_db()
    assert (second.status, second.total, second.sent, second.unknown) == (RunStatus.SUCCEEDED, 2, 2, 0)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FINISHED
    assert calls[("giftly", "buyGift")] == 3  # the unknown one is never sent again
    assert SupplierOrder.objects.get(pk=unknown.pk).status == OrderStatus.OUTCOME_UNKNOWN
    assert sorted(GiftlySentGift.objects.values_list("recipient", flat=True)) == ["101", "102", "103"]
    assert campaigns.campaign_counts(campaign) == {
        "sent": 2,
        "unknown": 1,
        "failed": 0,
        "in_progress": 0,
        "not_sent": 0,
    }


def test_an_auth_error_stops_the_campaign_and_it_cannot_be_resumed(sandbox, teddy, calls):
    run = campaigns.create_campaign(preview=preview(teddy, [101, 102, 103]))

    run = run_here(run, client=GiftlyClient(token="not-ours"))

    assert run.status == RunStatus.FAILED
    assert run.message.startswith("stopped: Giftly refused our token")
    assert "not-ours" not in run.message
    assert run.campaign.status == CampaignStatus.STOPPED
    assert calls[("giftly", "buyGift")] == 1
    assert Sale.objects.count() == 1
    with pytest.raises(campaigns.CampaignError, match="only a paused campaign can be resumed"):
        queue.resume_campaign(campaign=run.campaign)


@pytest.fixture
def giftly_waits(monkeypatch) -> list[float]:
    """The waits a Giftly send makes between tries, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr("orders.services.giftly.time", types.SimpleNamespace(sleep=waits.append))
    return waits


def test_giftly_429s_pause_the_campaign_with_the_reason_and_resume_sends_the_rest_once(
    sandbox, teddy, calls, giftly_waits
):
    def turned_away_after_the_first(recipient, sale, result):
        if recipient == 101:
            faults.arm(provider="giftly", kind="http_429", path="buyGift", count=3, retry_after=2)

    run = campaigns.create_campaign(preview=preview(teddy, [101, 102, 103]))

    run = run_here(run, on_sent=turned_away_after_the_first)

    campaign = run.campaign
    held = SupplierOrder.objects.get(sale__recipient_id=102)
    assert giftly_waits == [2.0, 2.0]  # Giftly's Retry-After, between the 3 tries
    assert held.status == OrderStatus.NEW
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.message == (
        f"paused before recipient 102 (order {held.transaction_id}, not sent): Giftly turned the send away "
        "3 times (giftly: Too Many Requests (sandbox fault) (HTTP 429)); nothing was sent. Resume the "
        "campaign once Giftly accepts sends again."
    )
    assert (run.status, run.done, run.sent, run.failed, run.unknown) == (RunStatus.PARTLY_FAILED, 1, 1, 0, 0)
    assert run.message == campaign.message
    assert sorted(Sale.objects.values_list("recipient_id", flat=True)) == [101, 102]  # 103: nothing made
    assert campaigns.campaign_counts(campaign)["not_sent"] == 2
    assert campaigns.is_resumable(campaign)

    second = queue.resume_campaign(campaign=campaign)
    run_campaign(second.pk)

    second.refresh_from_db()
    campaign.refresh_from_db()
    assert (second.status, second.total, second.sent, second.failed) == (RunStatus.SUCCEEDED, 2, 2, 0)
    assert campaign.status == CampaignStatus.FINISHED
    assert sorted(GiftlySentGift.objects.values_list("recipient", flat=True)) == ["101", "102", "103"]
    assert calls[("giftly", "buyGift")] == 1 + 3 + 2
    assert campaigns.campaign_counts(campaign) == {
        "sent": 3,
        "unknown": 0,
        "failed": 0,
        "in_progress": 0,
        "not_sent": 0,
    }


def test_an_empty_giftly_balance_pauses_the_campaign_cancels_no_one_and_resume_after_a_top_up_sends_all(
    sandbox, teddy, calls
):
    GiftlyAccount.objects.create(pk=1, balance_rub=Decimal(20))  # one 🧸 of 15, not two
    run = campaigns.create_campaign(preview=preview(teddy, [101, 102, 103, 104]))

    run = run_here(run)

    campaign = run.campaign
    held = SupplierOrder.objects.get(sale__recipient_id=102)
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.message == (
        f"paused before recipient 102 (order {held.transaction_id}, not sent): the Giftly balance is too "
        "low (Insufficient balance); nothing was sent. Top up the Giftly account, then resume the campaign."
    )
    assert not SupplierOrder.objects.filter(status=OrderStatus.CANCELED).exists()
    assert held.status == OrderStatus.NEW
    assert (run.sent, run.failed, run.unknown) == (1, 0, 0)
    assert calls[("giftly", "buyGift")] == 2

    GiftlyAccount.objects.filter(pk=1).update(balance_rub=Decimal(1000))  # the top-up
    second = queue.resume_campaign(campaign=campaign)
    run_campaign(second.pk)

    second.refresh_from_db()
    campaign.refresh_from_db()
    assert (second.status, second.total, second.sent) == (RunStatus.SUCCEEDED, 3, 3)
    assert campaign.status == CampaignStatus.FINISHED
    assert sorted(GiftlySentGift.objects.values_list("recipient", flat=True)) == ["101", "102", "103", "104"]
    assert set(SupplierOrder.objects.values_list("status", flat=True)) == {OrderStatus.COMPLETED}


def test_a_run_whose_worker_died_mid_send_is_resumed_without_sending_that_recipient_again(
    sandbox, teddy, calls
):
    run = campaigns.create_campaign(preview=preview(teddy, [101, 102]))
    # The dead worker's state: it created both sales ahead, claimed the first order, and died before
    # the answer.
    ahead = campaigns._new_orders(run.campaign, 0, {}, None)
    sale = ahead[0].sale
    claim_for_submission(order=ahead[0])
    long_ago = timezone.now() - timedelta(minutes=5)
    CampaignRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, claimed_by="task 1@gone", started_at=long_ago, heartbeat_at=long_ago
    )

    run = execute(campaigns.CAMPAIGN, run_id=run.pk, claimed_by="task 2@here")  # the redelivered task

    assert calls[("giftly", "buyGift")] == 0
    assert sale.orders.get().status == OrderStatus.OUTCOME_UNKNOWN
    assert run.campaign.status == CampaignStatus.PAUSED
    assert (run.status, run.unknown) == (RunStatus.PARTLY_FAILED, 1)
    assert CampaignSale.objects.count() == 1


def test_a_second_delivery_of_the_same_task_sends_nothing(sandbox, teddy, calls):
    run = campaigns.create_campaign(preview=preview(teddy, [101, 102]))
    execute(campaigns.CAMPAIGN, run_id=run.pk, claimed_by="task 1@here")

    again = execute(campaigns.CAMPAIGN, run_id=run.pk, claimed_by="task 2@here")

    assert again.status == RunStatus.SUCCEEDED
    assert calls[("giftly", "buyGift")] == 2


# --- permissions and CSRF ---------------------------------------------------------------------------------


def test_without_the_campaign_permission_there_is_no_send_action_and_no_page(django_user_model, teddy):
    viewer = client_for(staff(django_user_model, "view_telegramgift"))

    listing = viewer.get(GIFTS)
    change = viewer.get(f"{GIFTS}{teddy.pk}/change/").content.decode()

    assert listing.context["action_form"] is None  # no action at all for view-only staff
    assert "send_to_users" not in listing.content.decode()
    assert "Send to Telegram users…" not in change
    assert viewer.get(send_url(teddy)).status_code == 403
    assert viewer.post(send_url(teddy), {**form("101"), "confirm": "yes"}).status_code == 403
    assert Campaign.objects.count() == 0


def test_the_send_action_leads_to_the_page_for_one_gift(promo, teddy):
    response = promo.post(GIFTS, {"action": "send_to_users", "_selected_action": [teddy.pk]})

    assert response["Location"] == send_url(teddy)


def test_resume_needs_its_permission(django_user_model, teddy):
    run = campaigns.create_campaign(preview=preview(teddy))
    Campaign.objects.filter(pk=run.campaign_id).update(status=CampaignStatus.PAUSED)
    viewer = client_for(staff(django_user_model, "view_campaign"))

    page = viewer.get(f"{CAMPAIGNS}{run.campaign_id}/change/").content.decode()

    assert ">Resume</button>" not in page
    assert viewer.post(f"{CAMPAIGNS}{run.campaign_id}/resume/").status_code == 403
    assert Campaign.objects.get().status == CampaignStatus.PAUSED


def test_confirm_and_resume_are_refused_without_the_csrf_token(django_user_model, teddy):
    user = staff(django_user_model, "view_telegramgift", "add_campaign", "view_campaign", "resume_campaign")
    client = client_for(user, csrf=True)
    run = campaigns.create_campaign(preview=preview(teddy))
    Campaign.objects.filter(pk=run.campaign_id).update(status=CampaignStatus.PAUSED)

    assert client.post(send_url(teddy), {**form("101"), "confirm": "yes"}).status_code == 403
    assert client.post(f"{CAMPAIGNS}{run.campaign_id}/resume/").status_code == 403
    assert Campaign.objects.count() == 1
    assert CampaignRun.objects.count() == 1


def test_a_campaign_whose_queued_task_was_lost_can_be_resumed_and_sends_once(sandbox, teddy, calls, settings):
    run = campaigns.create_campaign(preview=preview(teddy, [101, 102]))  # the task never runs
    assert not campaigns.is_resumable(run.campaign)  # its run still holds its place in the queue
    CampaignRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))

    second = queue.resume_campaign(campaign=run.campaign)
    run_campaign(second.pk)

    second.refresh_from_db()
    assert (second.status, second.sent) == (RunStatus.SUCCEEDED, 2)
    assert calls[("giftly", "buyGift")] == 2


def test_who_may_send_may_follow_the_progress_page(django_user_model, teddy):
    sender = client_for(staff(django_user_model, "view_telegramgift", "add_campaign"))
    run = campaigns.create_campaign(preview=preview(teddy))

    assert sender.get(f"/en/admin/orders/campaignrun/{run.pk}/change/").status_code == 200
    assert sender.get(f"{CAMPAIGNS}{run.campaign_id}/change/").status_code == 200


def test_sales_created_ahead_and_not_yet_sent_count_as_not_sent(teddy):
    run = campaigns.create_campaign(preview=preview(teddy, [101, 102, 103]))

    ahead = campaigns._new_orders(run.campaign, 0, {}, None)

    assert sorted(ahead) == [0, 1, 2]
    assert [order.status for order in ahead.values()] == [OrderStatus.NEW] * 3
    assert [order.sale.recipient_id for order in ahead.values()] == [101, 102, 103]
    assert campaigns.campaign_counts(run.campaign) == {
        "sent": 0,
        "unknown": 0,
        "failed": 0,
        "in_progress": 0,
        "not_sent": 3,
    }
