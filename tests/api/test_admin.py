"""Staff admin: gifts (tabs per language, completeness, filters, search, actions), partners and keys,
and the admin's language switcher. Rendered with the Django test client as a superuser."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Gift, PartnerApiKey
from catalog.services.api_keys import authenticate_api_key

from .factories import GiftFactory, PartnerFactory, issue_key

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/gift/"
EN_CHANGELIST = "/en/admin/catalog/gift/"  # the admin in English, for assertions on its English texts


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def full_translations(**extra) -> dict:
    fields = {}
    for lang in ("ro", "ru", "en", "uk"):
        fields[f"name_{lang}"] = f"Name {lang}"
        fields[f"description_{lang}"] = f"Description {lang}"
        fields[f"link_{lang}"] = f"https://example.com/{lang}/"
    return {**fields, **extra}


def listed(response) -> list[str]:
    return [gift.name_ro for gift in response.context["cl"].result_list]


def test_changelist_shows_name_active_window_and_completeness(staff):
    GiftFactory(**full_translations(name_ro="Complete"))
    GiftFactory(**full_translations(name_ro="Partial", description_ru="", link_ru=None, link_uk=""))

    response = staff.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "2025-08-25 09:50 → 2025-08-30 10:50" in html
    assert "✓" in html
    assert re.search(r">ru: [^<]+, [^<]+</span> · <span[^>]*>uk: [^<]+</span>", html)
    assert listed(response) == ["Complete", "Partial"]


def test_filters_live_now_missing_language_owner_and_active(staff):
    now = timezone.now()
    partner = PartnerFactory()
    GiftFactory(
        **full_translations(
            name_ro="live", start_time=now - timedelta(days=1), removal_time=now + timedelta(days=1)
        )
    )
    GiftFactory(**full_translations(name_ro="over"))
    GiftFactory(
        **full_translations(name_ro="inactive", active=False, start_time=now - timedelta(days=1)),
        removal_time=now + timedelta(days=1),
    )
    GiftFactory(**full_translations(name_ro="no english", link_en=""), owner=partner)

    assert listed(staff.get(CHANGELIST + "?live=yes")) == ["live"]
    assert listed(staff.get(CHANGELIST + "?live=no")) == ["over", "inactive", "no english"]
    assert listed(staff.get(CHANGELIST + "?missing=en")) == ["no english"]
    assert listed(staff.get(CHANGELIST + "?missing=uk")) == []
    assert listed(staff.get(CHANGELIST + f"?owner__id__exact={partner.pk}")) == ["no english"]
    assert listed(staff.get(CHANGELIST + "?active__exact=0")) == ["inactive"]


def test_search_looks_at_every_language_name(staff):
    GiftFactory(name_ro="Cadou", name_uk="Подарунок")
    GiftFactory(name_ro="Altul", name_ru="Другой")

    assert listed(staff.get(CHANGELIST + "?q=Подарунок")) == ["Cadou"]
    assert listed(staff.get(CHANGELIST + "?q=Другой")) == ["Altul"]


def test_activate_and_deactivate_actions_bump_updated_at(staff):
    gifts = [GiftFactory(active=True), GiftFactory(active=True)]
    Gift.objects.update(updated_at=datetime(2025, 1, 1, tzinfo=UTC))

    response = staff.post(
        EN_CHANGELIST, {"action": "deactivate", "_selected_action": [g.pk for g in gifts]}, follow=True
    )

    assert response.status_code == 200
    assert "2 gifts deactivated." in [str(m) for m in response.context["messages"]]
    assert list(Gift.objects.values_list("active", flat=True)) == [False, False]
    assert all(g.updated_at > datetime(2025, 1, 1, tzinfo=UTC) for g in Gift.objects.all())
    staff.post(CHANGELIST, {"action": "activate", "_selected_action": [gifts[0].pk]})
    assert list(Gift.objects.order_by("pk").values_list("active", flat=True)) == [True, False]


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="/static/([^"]+)"', html)


def test_change_and_add_forms_render_language_tabs_with_local_assets(staff):
    gift = GiftFactory(**full_translations())

    for url in (f"{CHANGELIST}{gift.pk}/change/", f"{CHANGELIST}add/"):
        response = staff.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "modeltranslation/js/tabbed_translation_fields.js" in html
        assert "jquery-ui/jquery-ui.min.js" in html
        for lang in ("ro", "ru", "en", "uk"):
            assert f'name="name_{lang}"' in html
            assert f'name="link_{lang}"' in html
        assets = _assets(html)
        assert assets
        missing = [asset for asset in assets if finders.find(asset) is None]
        assert missing == []


def test_staff_add_a_gift_without_owner_and_time_window_is_checked(staff):
    form = full_translations(
        start_time_0="2025-08-25",
        start_time_1="09:50:00",
        removal_time_0="2025-08-30",
        removal_time_1="10:50:00",
        active="on",
    )

    created = staff.post(f"{CHANGELIST}add/", form)
    refused = staff.post(f"{EN_CHANGELIST}add/", {**form, "removal_time_0": "2025-08-20"})

    assert created.status_code == 302
    gift = Gift.objects.get()
    assert (gift.name_uk, gift.owner, gift.start_time) == (
        "Name uk",
        None,
        datetime(2025, 8, 25, 9, 50, tzinfo=UTC),
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["removal_time"] == [
        "Removal time must be after start time."
    ]
    assert Gift.objects.count() == 1


def test_partner_pages_render(staff):
    partner = PartnerFactory(name="Acme")
    issue_key(partner=partner)

    assert staff.get("/admin/catalog/partner/").status_code == 200
    page = staff.get(f"/admin/catalog/partner/{partner.pk}/change/")
    assert page.status_code == 200
    assert "Acme" in page.content.decode()


def test_key_created_in_the_admin_is_shown_once_and_works(staff):
    partner = PartnerFactory()
    assert staff.get("/admin/catalog/partnerapikey/add/").status_code == 200

    response = staff.post(
        "/admin/catalog/partnerapikey/add/",
        {"partner": partner.pk, "name": "shop", "can_write": "on"},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    (shown,) = [m for m in messages if "gk_" in m]
    key = re.search(r"gk_[0-9a-f]{8}_[\w-]+", shown).group(0)
    api_key = PartnerApiKey.objects.get()
    assert authenticate_api_key(plain_key=key).pk == api_key.pk
    assert api_key.can_write is True
    for url in ("/admin/catalog/partnerapikey/", f"/admin/catalog/partnerapikey/{api_key.pk}/change/"):
        html = staff.get(url).content.decode()
        assert api_key.key_hash not in html
        assert key not in html
        assert f"gk_{api_key.prefix}_…" in html


def test_revoke_action_turns_keys_off(staff):
    key = issue_key()
    api_key = PartnerApiKey.objects.get()

    response = staff.post(
        "/en/admin/catalog/partnerapikey/",
        {"action": "revoke", "_selected_action": [api_key.pk]},
        follow=True,
    )

    assert "1 key revoked." in [str(m) for m in response.context["messages"]]
    assert authenticate_api_key(plain_key=key) is None


def test_admin_language_can_be_switched(staff):
    page = staff.get("/admin/").content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert all(f'value="{code}"' in page for code in ("ro", "ru", "en", "uk"))

    switched = staff.post("/i18n/setlang/", {"language": "uk", "next": "/admin/catalog/gift/"})

    assert switched.status_code == 302
    assert switched["Location"] == "/uk/admin/catalog/gift/"
    ukrainian = staff.get(switched["Location"])
    assert ukrainian.status_code == 200
    assert '<html lang="uk"' in ukrainian.content.decode()
    english = staff.get("/en/admin/")
    assert "Site administration" in english.content.decode()


def test_production_collectstatic_includes_the_tab_assets(settings, tmp_path):
    # Manifest storage (as in production) fails on any broken reference in collected CSS.
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

    call_command("collectstatic", interactive=False, verbosity=0)

    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert '"jquery-ui/jquery-ui.min.js"' in manifest
    assert '"modeltranslation/js/tabbed_translation_fields.js"' in manifest


def test_a_view_only_user_is_not_offered_activate_or_deactivate(db):
    # given
    from django.contrib.auth.models import Permission, User
    from django.test import Client

    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_gift"))
    client = Client()
    client.force_login(viewer)
    # when
    response = client.get(CHANGELIST)
    # then
    assert response.status_code == 200
    assert response.context["action_form"] is None
