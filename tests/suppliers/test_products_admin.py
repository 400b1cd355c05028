import pytest
from django.urls import reverse
from django_q.models import OrmQ

from catalog.models import Product, SyncRun, SyncSource, TelegramGift
from giftoffice.runs.models import RunStatus

from .factories import ProductFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:catalog_product_changelist"


def test_product_changelist_shows_the_mirror_and_a_sync_now_button(admin_client):
    ProductFactory(remote_id=2548, name_ru="Доступ к VPN", amount=499, currency="usd")

    response = admin_client.get(reverse(CHANGELIST))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Доступ к VPN" in html
    assert "4.99 USD" in html
    assert f'action="{reverse("admin:catalog_product_sync_now")}"' in html


def test_product_search_by_tribute_id_and_removed_filter(admin_client):
    from django.utils import timezone

    ProductFactory(remote_id=2548, name_ru="VPN")
    ProductFactory(remote_id=2549, name_ru="Худи", removed_at=timezone.now())

    by_id = admin_client.get(reverse(CHANGELIST), {"q": "2548"})
    by_text = admin_client.get(reverse(CHANGELIST), {"q": "Худи"})
    removed = admin_client.get(reverse(CHANGELIST), {"removed": "yes"})
    present = admin_client.get(reverse(CHANGELIST), {"removed": "no"})

    assert [p.remote_id for p in by_id.context["cl"].result_list] == [2548]
    assert [p.remote_id for p in by_text.context["cl"].result_list] == [2549]
    assert [p.remote_id for p in removed.context["cl"].result_list] == [2549]
    assert [p.remote_id for p in present.context["cl"].result_list] == [2548]


def test_staff_translate_a_product_but_cannot_change_the_mirrored_fields(admin_client):
    product = ProductFactory(remote_id=2548, name_ru="Доступ к VPN", amount=499)
    url = reverse("admin:catalog_product_change", args=[product.pk])

    page = admin_client.get(url)
    response = admin_client.post(
        url,
        {
            "name_ro": "Acces VPN",
            "name_en": "VPN access",
            "name_uk": "",
            "description_ro": "",
            "description_en": "",
            "description_uk": "",
            "name_ru": "Hacked",
            "amount": 1,
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name_ro, product.name_en, product.name_ru, product.amount) == (
        "Acces VPN",
        "VPN access",
        "Доступ к VPN",
        499,
    )


def test_products_cannot_be_added_or_deleted_in_the_admin(admin_client):
    product = ProductFactory()

    assert admin_client.get(reverse("admin:catalog_product_add")).status_code == 403
    assert admin_client.post(reverse("admin:catalog_product_delete", args=[product.pk])).status_code == 403
    assert Product.objects.count() == 1


def test_sync_now_queues_a_run_for_the_task_queue_and_shows_it(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:catalog_product_sync_now"))

    run = SyncRun.objects.get()
    assert (run.source, run.status, run.trigger, run.triggered_by) == (
        SyncSource.TRIBUTE_PRODUCTS,
        RunStatus.QUEUED,
        "admin",
        admin_user,
    )
    assert OrmQ.objects.count() == 1  # the django-q2 task, enqueued once the transaction committed
    assert response.status_code == 302
    assert response.url == reverse("admin:catalog_syncrun_change", args=[run.pk])


def test_sync_now_only_accepts_post(admin_client):
    assert admin_client.get(reverse("admin:catalog_product_sync_now")).status_code == 405
    assert SyncRun.objects.count() == 0


def test_sync_now_needs_the_change_permission(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(viewer)

    page = client.get(reverse(CHANGELIST))
    response = client.post(reverse("admin:catalog_product_sync_now"))

    assert page.status_code == 200
    assert "Sync now" not in page.content.decode()
    assert response.status_code == 403
    assert SyncRun.objects.count() == 0


def test_telegram_gift_admin_lists_the_gifts_with_their_report_name(admin_client):
    response = admin_client.get(reverse("admin:catalog_telegramgift_changelist"))
    gift = TelegramGift.objects.get(gift_id="5170233102089322756")
    change = admin_client.get(reverse("admin:catalog_telegramgift_change", args=[gift.pk]))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 11
    assert "5170233102089322756" in response.content.decode()
    assert change.status_code == 200
    assert 'name="name_uk"' in change.content.decode()


def test_sandbox_records_are_visible_read_only(admin_client):
    for model in ("giftlysentgift", "telegrampurchasereport", "tributesandboxproduct"):
        assert admin_client.get(reverse(f"admin:sandbox_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:sandbox_{model}_add")).status_code == 403


def test_products_and_offers_filter_removed_rows_with_one_shared_filter():
    from catalog.admin.filters import RemovedFilter
    from catalog.admin.offers import OfferAdmin
    from catalog.admin.products import ProductAdmin

    assert RemovedFilter in ProductAdmin.list_filter
    assert RemovedFilter in OfferAdmin.list_filter
