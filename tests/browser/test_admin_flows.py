"""What staff do in the admin, in a real Chromium: log in, switch languages, create a gift with the
language tabs, push to the sandbox partner through the plan page, sync a catalog, meet a supplier fault,
and what a view-only colleague sees."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from catalog.models import Gift, SyncRun
from catalog.services.sync_queue import run_queued_sync
from giftoffice.demo.partner_sites import ensure_sandbox_site
from giftoffice.runs.models import RunStatus
from giftoffice.sandbox.models.partner import PartnerRemoteGift
from tests.browser.conftest import log_in, save_artifacts, wait_for
from tests.push.factories import GiftFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def css(browser, selector: str):
    return browser.find_elements(By.CSS_SELECTOR, selector)


def html_lang(browser) -> str:
    return browser.find_element(By.TAG_NAME, "html").get_attribute("lang")


def test_staff_log_in_and_land_on_the_index_in_romanian(browser, superuser, staff_password):
    log_in(browser, superuser.username, staff_password)

    assert browser.current_url == browser.base_url + "/admin/"
    assert html_lang(browser) == "ro"
    assert "maria" in browser.find_element(By.ID, "user-tools").text.lower()


def test_the_language_picker_goes_ro_ru_en_uk_ro_and_keeps_the_page(logged_in):
    browser = logged_in
    gift = GiftFactory()
    path = f"/admin/catalog/gift/{gift.pk}/change/"
    browser.get(browser.base_url + path)
    seen = []
    for language in ["ru", "en", "uk", "ro"]:
        Select(browser.find_element(By.ID, "language-select")).select_by_value(language)
        wait_for(
            browser, lambda language=language: html_lang(browser) == language, what=f"page in {language}"
        )
        seen.append(browser.current_url.removeprefix(browser.base_url))

    assert seen == [f"/ru{path}", f"/en{path}", f"/uk{path}", path]


def test_a_gift_made_with_the_language_tabs_shows_which_languages_are_filled(logged_in, tmp_path):
    browser = logged_in
    icon = tmp_path / "icon.png"
    _png(icon)
    browser.get(browser.base_url + "/en/admin/catalog/gift/add/")
    tab = {lang: css(browser, f'a[href="#tab_id_name_{lang}"]')[0] for lang in ("ro", "ru", "en", "uk")}
    assert {lang: a.get_attribute("data-filled") for lang, a in tab.items()} == dict.fromkeys(tab, "no")

    tab["ro"].click()  # the English admin opens the tabs on en
    browser.find_element(By.ID, "id_name_ro").send_keys("Cadou de probă")
    tab["ru"].click()
    browser.find_element(By.ID, "id_name_ru").send_keys("Пробный подарок")
    css(browser, 'a[href="#tab_id_icon_ro"]')[0].click()
    browser.find_element(By.ID, "id_icon_ro").send_keys(str(icon))
    for field, day in (("start_time", "2030-01-01"), ("removal_time", "2030-02-01")):
        browser.find_element(By.ID, f"id_{field}_0").send_keys(day)
        browser.find_element(By.ID, f"id_{field}_1").send_keys("10:00:00")

    assert {lang: a.get_attribute("data-filled") for lang, a in tab.items()} == {
        "ro": "yes",
        "ru": "yes",
        "en": "no",
        "uk": "no",
    }
    browser.find_element(By.NAME, "_continue").click()
    wait_for(browser, lambda: css(browser, "ul.messagelist li.success"), what="saved")
    gift = Gift.objects.get()
    assert (gift.name_ro, gift.name_ru) == ("Cadou de probă", "Пробный подарок")
    # the stored icon: a thumbnail, and its "Clear" box labelled as such (not with the field's name)
    assert css(browser, "#tab_id_icon_ro img.gift-thumbnail")
    assert (
        browser.find_element(By.CSS_SELECTOR, 'label[for="icon_ro-clear_id"]').get_attribute("textContent")
        == "Clear"
    )
    assert css(browser, 'a[href="#tab_id_icon_ro"]')[0].get_attribute("data-filled") == "yes"
    browser.get(browser.base_url + "/en/admin/catalog/gift/")
    assert css(browser, "td.field-display_name img.gift-list-thumbnail, th.field-display_name img")
    assert browser.find_element(By.CSS_SELECTOR, "td.field-completeness").text == (
        "ro: description, partner link · ru: description, partner link · "
        "en: name, description, partner link · uk: name, description, partner link"
    )


def test_a_push_to_the_sandbox_partner_goes_through_the_plan_page(logged_in, settings):
    browser = logged_in
    ensure_sandbox_site()
    gifts = GiftFactory.create_batch(2)
    browser.get(browser.base_url + "/en/admin/catalog/gift/")
    browser.find_element(By.ID, "action-toggle").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("push_to_partner_site")
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    wait_for(browser, lambda: css(browser, "button[name=confirm]"), what="the plan page")

    assert "2 to create" in browser.find_element(By.CSS_SELECTOR, ".push-plan-summary").text
    browser.find_element(By.CSS_SELECTOR, "button[name=confirm]").click()
    wait_for(browser, lambda: "/admin/catalog/pushrun/" in browser.current_url, what="the push run page")
    wait_for(browser, lambda: "succeeded" in browser.page_source.lower(), what="the push succeeded")
    assert sorted(PartnerRemoteGift.objects.values_list("name_ro", flat=True)) == sorted(
        g.name_ro for g in gifts
    )


def test_sync_now_shows_the_run_finish_without_a_reload(logged_in):
    browser = logged_in
    browser.get(browser.base_url + "/en/admin/catalog/offer/")
    _click_button(browser, "Sync now")
    wait_for(browser, lambda: "/admin/catalog/syncrun/" in browser.current_url, what="the run page")
    run = SyncRun.objects.get()

    run_queued_sync(run_id=run.pk)  # what the qcluster worker does

    def status() -> str:
        shown = css(browser, ".field-status_display .readonly")
        return shown[0].text.lower() if shown else ""

    assert "queued" in status()
    wait_for(browser, lambda: "succeeded" in status(), timeout=10, what="the page shows the end")


def test_an_armed_fault_shows_as_a_failed_sync_run(logged_in):
    browser = logged_in
    browser.get(browser.base_url + "/en/admin/sandbox/fault/add/")
    Select(browser.find_element(By.ID, "id_provider")).select_by_value("gamesdrop")
    browser.find_element(By.ID, "id_path").send_keys("api/v1/offers/sync")
    Select(browser.find_element(By.ID, "id_kind")).select_by_value("http_503")
    remaining = browser.find_element(By.ID, "id_remaining")
    remaining.clear()
    remaining.send_keys("20")
    browser.find_element(By.NAME, "_save").click()
    wait_for(browser, lambda: css(browser, "ul.messagelist li.success"), what="fault armed")
    browser.get(browser.base_url + "/en/admin/catalog/offer/")
    _click_button(browser, "Sync now")
    wait_for(browser, lambda: "/admin/catalog/syncrun/" in browser.current_url, what="the run page")
    run = SyncRun.objects.get()

    run_queued_sync(run_id=run.pk)  # the worker's task ends normally; the run records the outage

    browser.get(browser.base_url + "/en/admin/catalog/syncrun/")
    row = browser.find_element(By.CSS_SELECTOR, "#result_list tbody tr")
    assert "failed" in row.text
    assert "503" in row.text
    assert SyncRun.objects.get().status == RunStatus.FAILED


def test_a_view_only_colleague_sees_no_action_buttons(browser, staff_password):
    user = UserFactory(password=staff_password)
    user.set_password(staff_password)
    user.save()
    codenames = ["view_gift", "view_offer", "view_product", "view_syncrun", "view_partnersite"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    GiftFactory()
    log_in(browser, user.username, staff_password)

    for path in ("catalog/gift/", "catalog/offer/", "catalog/product/", "catalog/partnersite/"):
        browser.get(f"{browser.base_url}/en/admin/{path}")
        assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Select ")
        assert css(browser, "a.addlink") == [], path
        assert css(browser, "select[name=action]") == [], path
        assert [b for b in css(browser, "button") if b.text == "Sync now"] == [], path
    browser.get(f"{browser.base_url}/en/admin/catalog/gift/{Gift.objects.get().pk}/change/")
    assert css(browser, "input[type=submit]") == []


def _click_button(browser, text: str) -> None:
    (button,) = [b for b in css(browser, "button") if b.text == text]
    button.click()


def _png(path) -> None:
    from PIL import Image

    Image.new("RGB", (64, 64), (200, 40, 90)).save(path)


def test_a_paused_campaign_page_counts_the_unsent_recipients_in_ro_and_en(logged_in):
    from catalog.models import TelegramGift
    from giftoffice.sandbox import faults
    from orders.services import campaigns
    from orders.tasks import run_campaign

    browser = logged_in
    teddy, _ = TelegramGift.objects.get_or_create(
        gift_id="5170233102089322756", defaults={"emoji": "🧸", "price_rub": 15}
    )
    faults.arm(provider="giftly", kind="commit_then_drop", path="buyGift")
    preview = campaigns.preview_campaign(telegram_gift=teddy, recipients=["101", "102", "103"])
    run = campaigns.create_campaign(preview=preview)
    run_campaign(run.pk)  # pauses at the first send: outcome unknown, two recipients never sent to

    # The two recipients after the unknown send were created ahead and dropped at the pause: not sent.
    expected = {
        "ro": "trimise 0, rezultat necunoscut 1, eșuate 0, în curs 0, netrimise încă 2",
        "en": "sent 0, outcome unknown 1, failed 0, sending 0, not sent yet 2",
    }
    for lang, prefix in (("ro", ""), ("en", "/en")):  # ro, the default language, has no prefix
        browser.get(f"{browser.base_url}{prefix}/admin/orders/campaign/{run.campaign_id}/change/")
        save_artifacts(browser, f"campaign-paused-{lang}")
        assert html_lang(browser) == lang
        assert expected[lang] in browser.find_element(By.ID, "content").text
