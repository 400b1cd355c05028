"""Run summaries and push refusals: English for command output, task results and logs, in the staff
user's language in the admin."""

from __future__ import annotations

import pytest
from django.utils import translation

from catalog.models import PullRun, PushRun
from catalog.publishing.errors import PushError
from catalog.publishing.plan import select_gifts
from catalog.publishing.runs import start_run
from tests.gamesdrop.factories import SyncRunFactory
from tests.push.factories import PartnerSiteFactory

pytestmark = pytest.mark.django_db


def test_a_push_run_summary_is_english_in_any_language_and_localized_on_request():
    run = PushRun.objects.create(
        site=PartnerSiteFactory(name="shop"), status="succeeded", created=2, linked=1, updated=1, skipped=3
    )

    with translation.override("ru"):
        english, russian = run.summary(), run.localized_summary()

    assert english == (
        f"push to shop: create 2 (1 found already on the site), update 1, unchanged 3, failed 0 "
        f"(run #{run.pk}, succeeded)"
    )
    assert russian == (
        f"отправка на shop: создано 2 (уже найдено на сайте: 1), обновлено 1, без изменений 3, с ошибкой 0 "
        f"(запуск #{run.pk}, успешно)"
    )


def test_a_dry_pull_summary_is_localized_in_ukrainian():
    run = PullRun.objects.create(
        site=PartnerSiteFactory(name="shop"), dry_run=True, status="succeeded", created=1
    )

    with translation.override("uk"):
        ukrainian, label = run.localized_summary(), str(run)

    assert ukrainian == (
        f"завантаження з shop: було б створено 1, було б оновлено 0, без змін 0, з помилкою 0 "
        f"(запуск #{run.pk}, успішно)"
    )
    assert label == f"завантаження #{run.pk} shop (пробний запуск)"


def test_a_sync_run_summary_is_english_for_commands_and_romanian_in_the_default_admin():
    run = SyncRunFactory(dry_run=True, fetched=5, created=1, updated=2, unchanged=2)

    # the default language (ro) is active, as in a command or a worker
    assert run.summary() == "dry run: would have fetched 5, created 1, updated 2, unchanged 2, removed 0"
    assert run.localized_summary() == (
        "simulare: s-ar fi preluat 5, create 1, actualizate 2, neschimbate 2, eliminate 0"
    )


def test_push_refusals_read_english_as_text_and_in_the_staff_language_in_the_admin():
    site = PartnerSiteFactory(name="shop")
    pending = start_run(site=site)

    with pytest.raises(PushError) as missing:
        select_gifts(gift_ids=[999999])
    with pytest.raises(PushError) as busy:
        start_run(site=site)

    assert str(missing.value) == "no gift with id 999999"
    assert str(busy.value) == f"push run #{pending.pk} on 'shop' is still queued; wait for it to finish"
    with translation.override("uk"):
        assert missing.value.localized() == "немає подарунка з id 999999"
    with translation.override("ru"):
        assert busy.value.localized() == (
            f"запуск #{pending.pk} (отправка) на 'shop' всё ещё в статусе «в очереди»; "
            "дождитесь его завершения"
        )
