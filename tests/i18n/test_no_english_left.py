"""No admin page shows an English source string in ro, ru or uk: every registered model's list, add form
and change form (with demo data, django-q2's task queue included), the index and a form with errors."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from django_q.models import Failure, Schedule, Success

from catalog.services.schedules import ensure_schedules
from giftoffice import demo
from tests.gamesdrop.factories import OfferPriceChangeFactory, SyncRunFactory
from tests.i18n.english_left import english_left
from tests.i18n.pages import PREFIX
from tests.push.factories import GiftFactory, PartnerSiteFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["ro", "ru", "uk"]


@pytest.fixture
def admin_client(client, django_user_model):
    """A superuser whose name is no English word ("admin" is also a sync-run trigger's msgid)."""
    user = django_user_model.objects.create_superuser("maria", "maria@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def demo_data(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for _title, step in demo.STEPS:
        step()
    ensure_schedules()
    GiftFactory()
    PartnerSiteFactory()
    OfferPriceChangeFactory()
    SyncRunFactory(trigger="schedule", status="failed", message="gamesdrop: HTTP 503")
    task = {"name": "sync", "func": "catalog.tasks.sync_offers_task", "started": "2025-01-01T00:00:00Z"}
    Success.objects.create(id="a" * 32, stopped="2025-01-01T00:00:01Z", success=True, **task)
    Failure.objects.create(
        id="b" * 32, stopped="2025-01-01T00:00:01Z", success=False, result="HTTP 503", **task
    )
    assert Schedule.objects.exists()


def admin_pages() -> list[str]:
    """Paths (without language prefix) of every admin page a superuser can open."""
    paths = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        paths.append(reverse("admin:{}_{}_changelist".format(*info)))
        paths.append(reverse("admin:app_list", args=[info[0]]))
        if model_admin.has_add_permission(_superuser_request()):
            paths.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return list(dict.fromkeys(paths))


def _superuser_request():
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = AnonymousUser()
    request.user.is_active = request.user.is_staff = request.user.is_superuser = True
    request.user.has_perm = lambda *args, **kwargs: True
    return request


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_admin_page_shows_an_english_source_string(admin_client, demo_data, language):
    with translation.override("ro"):
        paths = admin_pages()
    left = {}
    for path in paths:
        response = admin_client.get(PREFIX[language] + path)
        assert response.status_code == 200, path
        if found := english_left(response.content.decode(), language):
            left[path] = found
    assert left == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_with_errors_shows_no_english(admin_client, language):
    response = admin_client.post(f"{PREFIX[language]}/admin/catalog/gift/add/", {"name_en": "x"})

    assert response.status_code == 200
    assert english_left(response.content.decode(), language) == []


def test_view_only_list_titles_are_spelled_right_in_romanian(admin_client):
    SyncRunFactory()

    page = admin_client.get("/admin/catalog/syncrun/").content.decode()

    assert "Selecteză" not in page
    assert "<h1>Selectează " in page
