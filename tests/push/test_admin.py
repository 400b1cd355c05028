"""The admin: push action (permission, plan page, CSRF, background runs), sites, runs, publications."""

import re

import pytest
from django.test import Client
from django.utils import translation
from django_q.models import OrmQ, Task

from catalog.models import Gift, GiftPublication, PartnerSite, PullRun, PushRun
from catalog.publishing.runs import execute_pull, push_gifts
from giftoffice.sandbox.models import PartnerRemoteGift
from tests.push.factories import GiftFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

CHANGELIST = "/admin/catalog/gift/"
ACTION = "push_to_partner_site"


def _pusher() -> Client:
    client = Client()
    client.force_login(UserFactory(permissions=["catalog.view_gift", "catalog.push_gifts"]))
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _action_choices(client: Client) -> list[str]:
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    form = response.context["action_form"]
    return [name for name, _label in form.fields["action"].choices] if form is not None else []


def test_the_push_action_is_offered_only_with_the_push_permission(partner_site):
    viewer = Client()
    viewer.force_login(UserFactory(permissions=["catalog.view_gift"]))

    assert ACTION not in _action_choices(viewer)
    assert ACTION in _action_choices(_pusher())


def test_posting_the_action_without_the_permission_pushes_nothing(partner_site):
    # given
    gift = GiftFactory()
    viewer = Client()
    viewer.force_login(UserFactory(permissions=["catalog.view_gift"]))
    # when
    response = viewer.post(
        CHANGELIST,
        {"action": ACTION, "_selected_action": [gift.pk], "site": partner_site.pk, "confirm": "yes"},
        follow=True,
    )
    # then: no action runs; the user just sees the list
    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert not PushRun.objects.exists()
    assert not PartnerRemoteGift.objects.exists()


def test_a_forged_push_post_from_a_user_with_other_actions_is_refused(partner_site):
    # given: the user may delete gifts (so the action form exists) but may not push
    gift = GiftFactory()
    editor = Client()
    editor.force_login(UserFactory(permissions=["catalog.view_gift", "catalog.delete_gift"]))
    # when: through the English admin, so the message reads in English
    response = editor.post(
        f"/en{CHANGELIST}",
        {"action": ACTION, "_selected_action": [gift.pk], "site": partner_site.pk, "confirm": "yes"},
        follow=True,
    )
    # then
    assert _messages(response) == ["No action selected."]
    assert not PushRun.objects.exists()
    assert not PartnerRemoteGift.objects.exists()


def test_the_action_page_shows_the_plan_with_counts_and_diffs(partner_site):
    # given: one gift already there and edited, one unchanged, one new
    edited, unchanged, new = GiftFactory(name_en="Old name"), GiftFactory(), GiftFactory()
    push_gifts(site=partner_site, gift_ids=[edited.pk, unchanged.pk])
    edited.name_en = "New name"
    edited.save()
    # when
    response = _pusher().post(
        f"/en{CHANGELIST}",
        {"action": ACTION, "index": 0, "_selected_action": [edited.pk, unchanged.pk, new.pk]},
    )
    # then
    assert response.status_code == 200
    plan = response.context["plan"]
    assert ([i.gift_id for i in plan.creates], [i.gift_id for i in plan.updates], len(plan.unchanged)) == (
        [new.pk],
        [edited.pk],
        1,
    )
    html = response.content.decode()
    assert "1 to create" in html
    assert "1 to update" in html
    assert "1 unchanged" in html
    assert "<td>name_en</td>" in html
    assert "<td>Old name</td>" in html
    assert "<td>New name</td>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert PartnerRemoteGift.objects.count() == 2  # showing the plan sent nothing


def _plan_fragment(html: str) -> str:
    match = re.search(r'<div class="push-plan">.*?</div>', html, re.S)
    assert match is not None, "no plan on the page"
    return match.group(0)


def test_the_run_page_shows_the_plan_exactly_as_the_confirmation_page_did(partner_site):
    # given: one gift already there and edited, one unchanged, one new, and a dry run of them
    edited, unchanged, new = GiftFactory(name_en="Old name"), GiftFactory(), GiftFactory()
    push_gifts(site=partner_site, gift_ids=[edited.pk, unchanged.pk])
    edited.name_en = "New name"
    edited.save()
    ids = [edited.pk, unchanged.pk, new.pk]
    with translation.override("en"):  # the labels are stored in the planning language
        run = push_gifts(site=partner_site, gift_ids=ids, dry_run=True)
    client = _pusher()
    # when
    confirmation = client.post(f"/en{CHANGELIST}", {"action": ACTION, "index": 0, "_selected_action": ids})
    run_page = client.get(f"/en/admin/catalog/pushrun/{run.pk}/change/")
    # then
    shown = _plan_fragment(run_page.content.decode())
    assert shown == _plan_fragment(confirmation.content.decode())
    assert "<li>1 to create</li>" in shown
    assert "<li>1 to update</li>" in shown
    assert "<li>1 unchanged</li>" in shown
    assert f"<li>#{new.pk} {new}</li>" in shown
    assert "<td>name_en</td>" in shown
    assert "<td>Old name</td>" in shown
    assert "<td>New name</td>" in shown


def test_confirming_pushes_and_leads_to_the_run_page(partner_site):
    # given
    gifts = GiftFactory.create_batch(2)
    client = _pusher()
    # when
    response = client.post(
        f"/en{CHANGELIST}",
        {
            "action": ACTION,
            "_selected_action": [g.pk for g in gifts],
            "site": partner_site.pk,
            "confirm": "yes",
        },
    )
    # then
    run = PushRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/admin/catalog/pushrun/{run.pk}/change/"
    assert (run.status, run.created, run.trigger) == ("succeeded", 2, "admin")
    assert run.triggered_by.has_perm("catalog.push_gifts")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert run.summary() in page.content.decode()
    assert PartnerRemoteGift.objects.count() == 2


def test_the_push_needs_a_csrf_token(partner_site):
    # given
    gift = GiftFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(permissions=["catalog.view_gift", "catalog.push_gifts"]))
    data = {"action": ACTION, "_selected_action": [gift.pk], "site": partner_site.pk, "confirm": "yes"}
    # when
    refused = client.post(CHANGELIST, data)
    client.get(CHANGELIST)  # sets the CSRF cookie
    accepted = client.post(CHANGELIST, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    # then
    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert PushRun.objects.count() == 1
    assert PartnerRemoteGift.objects.count() == 1


def test_a_big_push_runs_in_django_q_and_its_page_shows_the_result(partner_site, settings, monkeypatch):
    # given: more gifts than the threshold; the queue runs tasks inline
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    settings.PUSH_ASYNC_THRESHOLD = 2
    gifts = GiftFactory.create_batch(3)
    client = _pusher()
    # when
    response = client.post(
        f"/en{CHANGELIST}",
        {
            "action": ACTION,
            "_selected_action": [g.pk for g in gifts],
            "site": partner_site.pk,
            "confirm": "yes",
        },
        follow=True,
    )
    # then
    run = PushRun.objects.get()
    assert _messages(response) == [f"Push run #{run.pk} queued."]
    assert (run.status, run.created, run.done, run.total) == ("succeeded", 3, 3, 3)
    assert Task.objects.get(name=f"push-run-{run.pk}").success is True
    html = response.content.decode()
    assert run.summary() in html
    assert 'http-equiv="refresh"' not in html
    assert PartnerRemoteGift.objects.count() == 3


def test_a_running_push_page_refreshes_and_shows_progress(partner_site):
    run = PushRun.objects.create(site=partner_site, status="running", total=10, done=4)

    html = _pusher().get(f"/admin/catalog/pushrun/{run.pk}/change/").content.decode()

    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress value="4" max="10"></progress> 4 / 10' in html


def test_push_runs_are_read_only(partner_site):
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))
    run = PushRun.objects.create(site=partner_site, status="succeeded")

    assert admin.get("/admin/catalog/pushrun/add/").status_code == 403
    assert admin.post(f"/admin/catalog/pushrun/{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PushRun.objects.filter(pk=run.pk).exists()


def test_test_connection_reports_how_many_gifts_the_site_holds(partner_site, partner_api):
    # given
    partner_api.call(
        "POST",
        "bulk-create/",
        json=[{"name_ro": "A", "start_time": "2025-08-27T10:00:00", "removal_time": "2025-09-02T18:00:00"}]
        * 2,
    )
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))
    url = f"/en/admin/catalog/partnersite/{partner_site.pk}/test-connection/"
    # when
    response = admin.post(url, follow=True)
    # then
    assert _messages(response) == ["sandbox: connected, the site holds 2 gifts."]
    assert admin.get(url).status_code == 405
    assert url in admin.get(f"/en/admin/catalog/partnersite/{partner_site.pk}/change/").content.decode()


def test_test_connection_reports_refused_credentials(partner_site):
    partner_site.auth_secret = "Api-Key wrong"
    partner_site.save()
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))

    response = admin.post(f"/en/admin/catalog/partnersite/{partner_site.pk}/test-connection/", follow=True)

    assert _messages(response) == ["sandbox: connection failed: partner sandbox: Invalid API key. (HTTP 401)"]


def test_the_site_form_never_shows_the_secret_and_keeps_it_when_left_empty(partner_site, settings):
    # given
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))
    url = f"/admin/catalog/partnersite/{partner_site.pk}/change/"
    # when
    page = admin.get(url).content.decode()
    response = admin.post(
        url,
        {
            "name": "sandbox",
            "base_url": partner_site.base_url,
            "auth_header": "Authorization",
            "auth_secret": "",
            "timeout_seconds": "2.5",
            "batch_size": "100",
            "enabled": "on",
            "languages": ["ro", "en"],
        },
    )
    # then
    assert settings.SANDBOX_PARTNER_SECRET not in page
    assert "sandbox-partner-key" not in admin.get("/admin/catalog/partnersite/").content.decode()
    assert response.status_code == 302
    partner_site.refresh_from_db()
    assert (partner_site.auth_secret, partner_site.batch_size, partner_site.languages) == (
        settings.SANDBOX_PARTNER_SECRET,
        100,
        ["ro", "en"],
    )


def test_the_gift_form_shows_per_site_whether_and_when_it_was_published(partner_site):
    # given: one gift published, one refused by the site
    published, refused = GiftFactory(), GiftFactory(name_ro="")
    push_gifts(site=partner_site, gift_ids=[published.pk, refused.pk])
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))
    # when
    ok_page = admin.get(f"/en{CHANGELIST}{published.pk}/change/")
    refused_page = admin.get(f"/en{CHANGELIST}{refused.pk}/change/")
    # then
    assert ok_page.status_code == 200
    [ok_inline] = [f for f in ok_page.context["inline_admin_formsets"] if f.opts.model is GiftPublication]
    [ok_row] = list(ok_inline)
    assert ok_row.original == GiftPublication.objects.get(gift=published)
    assert ok_row.original.remote_id is not None
    assert "Published on partner sites" in ok_page.content.decode()
    assert "refused: name_ro: This field may not be null." in refused_page.content.decode()


def test_only_enabled_sites_can_be_chosen(partner_site):
    PartnerSite.objects.create(name="off", base_url="https://off.example", enabled=False)
    gift = GiftFactory()

    response = _pusher().post(CHANGELIST, {"action": ACTION, "index": 0, "_selected_action": [gift.pk]})

    assert list(response.context["form"].fields["site"].queryset) == [partner_site]


def test_pull_from_the_site_list_queues_a_run_that_imports_the_sites_gifts(partner_site, partner_api):
    # given: the partner site holds one gift
    partner_api.call(
        "POST",
        "bulk-create/",
        json=[
            {
                "name_ro": "De la partener",
                "start_time": "2025-08-27T10:00:00",
                "removal_time": "2025-09-02T18:00:00",
            }
        ],
    )
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))
    # when
    response = admin.post(
        "/en/admin/catalog/partnersite/",
        {"action": "pull_gifts_action", "_selected_action": [partner_site.pk]},
    )
    # then: the run is recorded, queued in django-q2, and the user lands on it
    run = PullRun.objects.get()
    assert not PushRun.objects.exists()
    assert (run.status, run.trigger) == ("queued", "admin")
    assert response.status_code == 302
    assert response["Location"] == f"/en/admin/catalog/pullrun/{run.pk}/change/"
    assert OrmQ.objects.count() == 1
    # when the worker carries it out
    execute_pull(run_id=run.pk)
    # then
    run.refresh_from_db()
    assert (run.status, run.created) == ("succeeded", 1)
    assert list(Gift.objects.values_list("name_ro", flat=True)) == ["De la partener"]


def test_pull_is_not_offered_without_the_right_to_add_and_change_gifts(partner_site):
    editor = Client()
    editor.force_login(UserFactory(permissions=["catalog.view_partnersite", "catalog.change_partnersite"]))

    response = editor.get("/en/admin/catalog/partnersite/")

    choices = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "test_connection_action" in choices
    assert "pull_gifts_action" not in choices
