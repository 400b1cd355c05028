"""The "Sync now" button, one behaviour for both supplier-catalog admins (SyncNowAdminMixin)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django_q.models import OrmQ

from catalog.models import SyncRun, SyncSource
from giftoffice.runs.models import RunStatus

pytestmark = pytest.mark.django_db

ADMINS = [
    pytest.param("product", SyncSource.TRIBUTE_PRODUCTS, id="products"),
    pytest.param("offer", SyncSource.GAMESDROP_OFFERS, id="offers"),
]


def staff_with(django_user_model, *codenames: str):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize(("model", "source"), ADMINS)
def test_a_user_without_the_change_permission_sees_no_button_and_gets_403(
    client, django_user_model, model, source
):
    # given a staff user who may only view the catalog
    client.force_login(staff_with(django_user_model, f"view_{model}"))
    sync_now = reverse(f"admin:catalog_{model}_sync_now")

    # when
    page = client.get(reverse(f"admin:catalog_{model}_changelist"))
    response = client.post(sync_now)

    # then
    assert page.status_code == 200
    assert sync_now not in page.content.decode()
    assert response.status_code == 403
    assert SyncRun.objects.count() == 0


@pytest.mark.parametrize(("model", "source"), ADMINS)
def test_sync_now_refuses_a_get(admin_client, model, source):
    response = admin_client.get(reverse(f"admin:catalog_{model}_sync_now"))

    assert response.status_code == 405
    assert SyncRun.objects.count() == 0


@pytest.mark.parametrize(("model", "source"), ADMINS)
def test_a_user_with_the_change_permission_sees_the_button_queues_one_run_and_lands_on_it(
    client, django_user_model, django_capture_on_commit_callbacks, model, source
):
    # given a staff user who may change the catalog, and nothing more
    user = staff_with(django_user_model, f"view_{model}", f"change_{model}")
    client.force_login(user)
    sync_now = reverse(f"admin:catalog_{model}_sync_now")

    # when
    page = client.get(reverse(f"admin:catalog_{model}_changelist"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en" + sync_now)

    # then
    assert f'action="{sync_now}"' in page.content.decode()
    run = SyncRun.objects.get()
    assert (run.source, run.status, run.trigger, run.triggered_by) == (
        source,
        RunStatus.QUEUED,
        "admin",
        user,
    )
    assert OrmQ.objects.count() == 1
    assert response.status_code == 302
    with translation.override("en"):
        assert response["Location"] == reverse("admin:catalog_syncrun_change", args=[run.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Sync queued as run #{run.pk}; this page follows it until it finishes."
    ]
