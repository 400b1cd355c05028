"""Every changelist fits a 1366 px wide screen, in every language; `make screenshots` writes the main
pages in each language to artifacts/screenshots/ for reviewers."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from selenium.webdriver.common.by import By

from catalog.models import PartnerSite, SyncRun
from catalog.publishing.runs import push_gifts
from catalog.services.offers import sync_offers
from catalog.services.products import sync_products
from giftoffice import demo
from giftoffice.sandbox.models import Fault
from orders.services.balance import refresh_balances
from tests.api.factories import PartnerFactory, issue_key
from tests.browser.conftest import ARTIFACTS, WINDOW, save_artifacts
from tests.gamesdrop.factories import SyncRunFactory

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = {"ro": "", "ru": "/ru", "en": "/en", "uk": "/uk"}


@pytest.fixture
def demo_admin(logged_in, settings):
    """The demo's data, its catalogs synced from the sandbox, one push and one failed sync."""
    for _title, step in demo.STEPS:
        step()
    sync_offers(trigger="demo")
    sync_products()
    push_gifts(site=PartnerSite.objects.get(), gift_ids=None)
    issue_key(partner=PartnerFactory(name="Shop of gifts"))
    SyncRunFactory(status="failed", trigger="schedule", message="gamesdrop: [SERVICE_UNAVAILABLE] (HTTP 503)")
    refresh_balances()  # what the schedule does: the index shows the balance read
    Fault.objects.create(provider="gamesdrop", path="api/v1/offers/sync", kind="http_503", remaining=2)
    return logged_in


def changelists() -> list[str]:
    with translation.override("ro"):
        return [
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            for model in admin.site._registry
        ]


def overflow(browser) -> tuple[int, int]:
    """(table width, room for it): the list is cut off (scrolls sideways) when the first is larger."""
    return tuple(
        browser.execute_script(
            "const table = document.querySelector('#result_list');"
            "const box = document.querySelector('#changelist .results') || document.body;"
            "return table ? [table.scrollWidth, box.clientWidth] : [0, 0];"
        )
    )


def test_every_changelist_fits_1366_pixels_in_every_language(demo_admin):
    browser = demo_admin
    assert tuple(browser.get_window_size().values()) == WINDOW
    too_wide = {}
    for prefix in LANGUAGES.values():
        for path in changelists():
            browser.get(browser.base_url + prefix + path)
            width, room = overflow(browser)
            page_width = browser.execute_script("return document.documentElement.scrollWidth")
            if width > room or page_width > WINDOW[0]:
                too_wide[prefix + path] = (width, room, page_width)
                save_artifacts(browser, f"too_wide{prefix}{path}")
    assert too_wide == {}


MAIN_PAGES = [
    "",
    "catalog/gift/",
    "catalog/gift/{gift}/change/",
    "catalog/gift/add/",
    "catalog/offer/",
    "catalog/product/",
    "catalog/syncrun/",
    "catalog/pushrun/",
    "catalog/partnersite/",
    "catalog/partnerapikey/",
    "django_q/schedule/",
    "sandbox/fault/",
]


@pytest.mark.screenshots
def test_screenshots_of_the_main_pages_in_each_language(demo_admin):
    from catalog.models import Gift

    browser = demo_admin
    gift = Gift.objects.exclude(icon_ro="").order_by("pk").first() or Gift.objects.first()
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for language, prefix in LANGUAGES.items():
        for page in MAIN_PAGES:
            path = page.format(gift=gift.pk)
            browser.get(f"{browser.base_url}{prefix}/admin/{path}")
            assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
            name = (path.strip("/").replace("/", "_") or "index") + f".{language}.png"
            browser.save_screenshot(str(folder / name))
            written.append(name)
    assert len(written) == len(LANGUAGES) * len(MAIN_PAGES)
    assert SyncRun.objects.exists()
