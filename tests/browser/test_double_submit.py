"""In a real Chromium: a double click on a confirmation (Send, Buy, Sell) and a resubmit of the same
confirmation afterwards buy once; the repeat lands on what the first one made."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from catalog.models import Offer, TelegramGift
from catalog.services.offers import sync_offers
from orders.models import Campaign, CampaignRun, Sale, SupplierOrder
from tests.api.factories import GiftFactory
from tests.browser.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ALREADY = "Already confirmed"


@pytest.fixture
def teddy() -> TelegramGift:
    gift, _created = TelegramGift.objects.get_or_create(
        gift_id="5170233102089322756", defaults={"emoji": "🧸", "price_rub": 15}
    )
    return gift


@pytest.fixture
def offer(logged_in, settings) -> Offer:
    settings.SANDBOX_GAMESDROP_OFFERS = 60
    sync_offers(trigger="test")
    return Offer.objects.get(offer_group_id=999)


def confirmation_fields(browser) -> list[tuple[str, str]]:
    """What the confirmation form posts: its fields (CSRF and one-time token included) and "confirm"."""
    form = browser.find_element(By.CSS_SELECTOR, "button[name=confirm]").find_element(
        By.XPATH, "./ancestor::form"
    )
    fields = [
        (element.get_attribute("name"), element.get_attribute("value") or "")
        for element in form.find_elements(By.CSS_SELECTOR, "input[name], textarea[name]")
        if element.get_attribute("type") not in ("file", "checkbox")
    ]
    return [*fields, ("confirm", "yes")]


def double_click_confirm(browser, lands_on: str) -> None:
    button = browser.find_element(By.CSS_SELECTOR, "button[name=confirm]")
    ActionChains(browser).double_click(button).perform()
    wait_for(browser, lambda: lands_on in browser.current_url, what=f"landed on {lands_on}")


def resubmit(browser, url: str, fields: list[tuple[str, str]], lands_on: str) -> None:
    """The browser posts the same confirmation again (a resubmit, a retry), as a real form submission."""
    browser.execute_script(
        """
        const [url, fields] = arguments;
        const form = document.createElement("form");
        form.method = "post";
        form.action = url;
        for (const [name, value] of fields) {
            const input = document.createElement("input");
            input.type = "hidden";
            input.name = name;
            input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
        """,
        url,
        fields,
    )
    wait_for(browser, lambda: ALREADY in browser.page_source, what="the repeat says it was already confirmed")
    assert lands_on in browser.current_url


def test_send_to_telegram_users_double_clicked_and_resubmitted_makes_one_campaign(logged_in, teddy):
    browser = logged_in
    url = f"{browser.base_url}/en/admin/catalog/telegramgift/{teddy.pk}/send/"
    browser.get(url)
    browser.find_element(By.ID, "id_recipients").send_keys("101\n102\n103\n104\n105")
    browser.find_element(By.CSS_SELECTOR, "button[name=check]").click()
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "button[name=confirm]"), what="preview")
    fields = confirmation_fields(browser)

    double_click_confirm(browser, "/admin/orders/campaignrun/")
    resubmit(browser, url, fields, "/admin/orders/campaignrun/")

    run = CampaignRun.objects.get()
    assert browser.current_url.endswith(f"/admin/orders/campaignrun/{run.pk}/change/")
    assert Campaign.objects.count() == 1


def test_buy_double_clicked_and_resubmitted_places_one_order(logged_in, offer):
    browser = logged_in
    url = f"{browser.base_url}/en/admin/catalog/offer/{offer.pk}/buy/"
    browser.get(url)
    browser.find_element(By.CSS_SELECTOR, "button[name=check]").click()
    wait_for(
        browser, lambda: browser.find_elements(By.CSS_SELECTOR, "button[name=confirm]"), what="the check"
    )
    fields = confirmation_fields(browser)

    double_click_confirm(browser, "/admin/orders/supplierorder/")
    resubmit(browser, url, fields, "/admin/orders/supplierorder/")

    order = SupplierOrder.objects.get()
    assert browser.current_url.endswith(f"/admin/orders/supplierorder/{order.pk}/change/")
    assert Sale.objects.count() == 1


def test_sell_double_clicked_and_resubmitted_makes_one_sale(logged_in, teddy):
    browser = logged_in
    gift = GiftFactory(telegram_gift=teddy)
    url = f"{browser.base_url}/en/admin/catalog/gift/{gift.pk}/sell/"
    browser.get(url)
    browser.find_element(By.ID, "id_recipient_id").send_keys("987654321")
    fields = confirmation_fields(browser)

    double_click_confirm(browser, "/admin/orders/supplierorder/")
    resubmit(browser, url, fields, "/admin/orders/supplierorder/")

    order = SupplierOrder.objects.get()
    assert browser.current_url.endswith(f"/admin/orders/supplierorder/{order.pk}/change/")
    assert Sale.objects.get().gift == gift


def test_sell_of_an_offer_double_clicked_and_resubmitted_places_one_order(logged_in, offer):
    browser = logged_in
    gift = GiftFactory(offer=offer)
    url = f"{browser.base_url}/en/admin/catalog/gift/{gift.pk}/sell/"
    browser.get(url)
    browser.find_element(By.CSS_SELECTOR, "button[name=check]").click()
    wait_for(
        browser, lambda: browser.find_elements(By.CSS_SELECTOR, "button[name=confirm]"), what="the check"
    )
    fields = confirmation_fields(browser)

    double_click_confirm(browser, "/admin/orders/supplierorder/")
    resubmit(browser, url, fields, "/admin/orders/supplierorder/")

    assert SupplierOrder.objects.count() == 1
    assert Sale.objects.get().gift == gift
