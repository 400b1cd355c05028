"""The staff admin in ro (the default, /admin/), ru (/ru/admin/) and uk (/uk/admin/): our own column
headers, labels, filters, actions, help texts and buttons read in the page's language. English
(/en/admin/) is checked too: the source strings stay English."""

from __future__ import annotations

import pytest

from tests.api.factories import PartnerFactory
from tests.gamesdrop.factories import OfferFactory
from tests.i18n.pages import (
    actions,
    admin_url,
    buttons,
    cell,
    column_headers,
    filter_titles,
    headings,
    help_text,
    labels,
    text,
)
from tests.push.factories import GiftFactory, PartnerSiteFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["ro", "ru", "uk", "en"]

GIFT_CHANGELIST = {
    "ro": {
        "columns": {
            "display_name": "Nume",
            "active": "Activ",
            "time_window": "Interval de afișare",
            "completeness": "Traduceri",
            "owner": "Proprietar",
        },
        "filters": [
            "activ",
            "afișat acum",
            "proprietar",
            "traducere lipsă (nume, descriere sau link)",
            "reguli de catalog",
        ],
        "actions": {
            "activate": "Activează cadourile selectate",
            "deactivate": "Dezactivează cadourile selectate",
            "push_to_partner_site": "Trimite pe site-ul partener…",
        },
        "completeness": "ru: descriere, link partener · uk: descriere, link partener",
    },
    "ru": {
        "columns": {
            "display_name": "Название",
            "active": "Активный",
            "time_window": "Период показа",
            "completeness": "Переводы",
            "owner": "Владелец",
        },
        "filters": [
            "активный",
            "показывается сейчас",
            "владелец",
            "нет перевода (название, описание или ссылка)",
            "правила каталога",
        ],
        "actions": {
            "activate": "Активировать выбранные подарки",
            "deactivate": "Деактивировать выбранные подарки",
            "push_to_partner_site": "Отправить на сайт партнёра…",
        },
        "completeness": "ru: описание, ссылка партнёра · uk: описание, ссылка партнёра",
    },
    "uk": {
        "columns": {
            "display_name": "Назва",
            "active": "Активний",
            "time_window": "Період показу",
            "completeness": "Переклади",
            "owner": "Власник",
        },
        "filters": [
            "активний",
            "показується зараз",
            "власник",
            "немає перекладу (назва, опис або посилання)",
            "правила каталогу",
        ],
        "actions": {
            "activate": "Активувати вибрані подарунки",
            "deactivate": "Деактивувати вибрані подарунки",
            "push_to_partner_site": "Надіслати на сайт партнера…",
        },
        "completeness": "ru: опис, посилання партнера · uk: опис, посилання партнера",
    },
    "en": {
        "columns": {
            "display_name": "Name",
            "active": "Active",
            "time_window": "Time window",
            "completeness": "Translations",
            "owner": "Owner",
        },
        "filters": [
            "active",
            "live now",
            "owner",
            "missing translation (name, description or link)",
            "catalog rules",
        ],
        "actions": {
            "activate": "Activate selected gifts",
            "deactivate": "Deactivate selected gifts",
            "push_to_partner_site": "Push to partner site…",
        },
        "completeness": "ru: description, partner link · uk: description, partner link",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_gift_changelist_columns_filters_actions_and_completeness_read_in_the_language(
    admin_client, language
):
    # given: a partner's gift with ro and en texts, but no ru or uk description and link
    GiftFactory(owner=PartnerFactory())
    expected = GIFT_CHANGELIST[language]
    # when
    response = admin_client.get(admin_url(language, "catalog/gift/"))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}"' in page
    assert column_headers(page) == expected["columns"]
    assert filter_titles(page) == expected["filters"]
    assert {name: label for name, label in actions(page).items() if name in expected["actions"]} == expected[
        "actions"
    ]
    assert cell(page, "completeness") == expected["completeness"]


GIFT_CHANGE_FORM = {
    "ro": (
        {"name_ro": "Nume [ro]", "link_uk": "Link partener [uk]", "active": "Activ"},
        ["Programare", "Înregistrare", "Publicat pe site-urile partenere"],
    ),
    "ru": (
        {"name_ro": "Название [ro]", "link_uk": "Ссылка партнёра [uk]", "active": "Активный"},
        ["Расписание", "Запись", "Опубликован на сайтах партнёров"],
    ),
    "uk": (
        {"name_ro": "Назва [ro]", "link_uk": "Посилання партнера [uk]", "active": "Активний"},
        ["Розклад", "Запис", "Опубліковано на сайтах партнерів"],
    ),
    "en": (
        {"name_ro": "Name [ro]", "link_uk": "Partner link [uk]", "active": "Active"},
        ["Schedule", "Record", "Published on partner sites"],
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_gift_change_form_labels_and_sections_read_in_the_language(admin_client, language):
    gift = GiftFactory()
    expected_labels, expected_headings = GIFT_CHANGE_FORM[language]

    response = admin_client.get(admin_url(language, f"catalog/gift/{gift.pk}/change/"))

    page = response.content.decode()
    assert response.status_code == 200
    shown = labels(page)
    assert {field: shown[field] for field in expected_labels} == expected_labels
    assert headings(page) == expected_headings


OFFER_CHANGELIST = {
    "ro": {
        "columns": {
            "offer_group_id": "Id grup de oferte",
            "product_name": "Produs",
            "name": "Ofertă",
            "supplier": "Prețul furnizorului",
            "retail_price": "Preț de vânzare",
            "markup_percent": "Adaos %",
            "retail": "Se vinde cu",
            "margin_column": "Marjă",
            "flags": "Semnale",
            "in_stock": "În stoc",
            "listed": "Listat",
        },
        "filters": [
            "în catalogul furnizorului",
            "alertă de preț",
            "prețul furnizorului peste prețul de vânzare",
        ],
        "actions": {
            "refresh_price": "Reîmprospătează prețul de la GamesDrop (find-one)",
            "clear_price_alert": "Șterge alerta de preț",
        },
        "flags": "prețul s-a schimbat",
        "sync": "Sincronizează acum",
    },
    "ru": {
        "columns": {
            "offer_group_id": "Id группы предложений",
            "product_name": "Продукт",
            "name": "Предложение",
            "supplier": "Цена поставщика",
            "retail_price": "Розничная цена",
            "markup_percent": "Наценка, %",
            "retail": "Продаём по",
            "margin_column": "Маржа",
            "flags": "Отметки",
            "in_stock": "В наличии",
            "listed": "В каталоге",
        },
        "filters": ["в каталоге поставщика", "ценовое оповещение", "цена поставщика выше розничной"],
        "actions": {
            "refresh_price": "Обновить цену из GamesDrop (find-one)",
            "clear_price_alert": "Снять ценовое оповещение",
        },
        "flags": "цена изменилась",
        "sync": "Синхронизировать сейчас",
    },
    "uk": {
        "columns": {
            "offer_group_id": "Id групи пропозицій",
            "product_name": "Продукт",
            "name": "Пропозиція",
            "supplier": "Ціна постачальника",
            "retail_price": "Роздрібна ціна",
            "markup_percent": "Націнка, %",
            "retail": "Продаємо за",
            "margin_column": "Маржа",
            "flags": "Позначки",
            "in_stock": "У наявності",
            "listed": "У каталозі",
        },
        "filters": [
            "у каталозі постачальника",
            "сповіщення про ціну",
            "ціна постачальника вища за роздрібну",
        ],
        "actions": {
            "refresh_price": "Оновити ціну з GamesDrop (find-one)",
            "clear_price_alert": "Зняти сповіщення про ціну",
        },
        "flags": "ціна змінилася",
        "sync": "Синхронізувати зараз",
    },
    "en": {
        "columns": {
            "offer_group_id": "Offer group id",
            "product_name": "Product",
            "name": "Offer",
            "supplier": "Supplier price",
            "retail_price": "Retail price",
            "markup_percent": "Markup %",
            "retail": "Sells at",
            "margin_column": "Margin",
            "flags": "Flags",
            "in_stock": "In stock",
            "listed": "Listed",
        },
        "filters": ["in the feed", "price alert", "supplier price above retail"],
        "actions": {
            "refresh_price": "Refresh price from GamesDrop (find-one)",
            "clear_price_alert": "Clear the price alert",
        },
        "flags": "price moved",
        "sync": "Sync now",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_offer_changelist_columns_filters_actions_and_sync_button_read_in_the_language(
    admin_client, language
):
    OfferFactory(price_alert=True)
    expected = OFFER_CHANGELIST[language]

    response = admin_client.get(admin_url(language, "catalog/offer/"))

    page = response.content.decode()
    assert response.status_code == 200
    assert column_headers(page) == expected["columns"]
    assert filter_titles(page)[:3] == expected["filters"]
    assert {name: label for name, label in actions(page).items() if name in expected["actions"]} == expected[
        "actions"
    ]
    assert cell(page, "flags") == expected["flags"]
    assert expected["sync"] in buttons(page)


PARTNER_SITE_FORM = {
    "ro": {
        "labels": {
            "name": "Nume",
            "base_url": "URL de bază",
            "auth_header": "Numele antetului de autentificare",
            "auth_secret": "Valoarea antetului de autentificare",
            "timeout_seconds": "Timp de așteptare (secunde)",
            "batch_size": "Dimensiunea lotului",
            "enabled": "Activat",
            "languages_1": "Rusă",
        },
        "base_url_help": "{domain} al site-ului: cererile merg la acest URL urmat de /external/gift/.",
        "auth_secret_help": "Nu se afișează niciodată. Lăsați gol pentru a păstra valoarea actuală.",
        "button": "Testează conexiunea",
    },
    "ru": {
        "labels": {
            "name": "Название",
            "base_url": "Базовый URL",
            "auth_header": "Имя заголовка авторизации",
            "auth_secret": "Значение заголовка авторизации",
            "timeout_seconds": "Тайм-аут (секунды)",
            "batch_size": "Размер пакета",
            "enabled": "Включён",
            "languages_1": "Русский",
        },
        "base_url_help": "{domain} сайта: запросы идут на этот URL с добавлением /external/gift/.",
        "auth_secret_help": "Никогда не показывается. Оставьте пустым, чтобы сохранить текущее значение.",
        "button": "Проверить соединение",
    },
    "uk": {
        "labels": {
            "name": "Назва",
            "base_url": "Базова URL-адреса",
            "auth_header": "Назва заголовка авторизації",
            "auth_secret": "Значення заголовка авторизації",
            "timeout_seconds": "Тайм-аут (секунди)",
            "batch_size": "Розмір пакета",
            "enabled": "Увімкнено",
            "languages_1": "Російська",
        },
        "base_url_help": "{domain} сайту: запити йдуть на цю URL-адресу з додаванням /external/gift/.",
        "auth_secret_help": "Ніколи не показується. Залиште порожнім, щоб зберегти поточне значення.",
        "button": "Перевірити з'єднання",
    },
    "en": {
        "labels": {
            "name": "Name",
            "base_url": "Base URL",
            "auth_header": "Auth header name",
            "auth_secret": "Auth header value",
            "timeout_seconds": "Timeout (seconds)",
            "batch_size": "Batch size",
            "enabled": "Enabled",
            "languages_1": "Russian",
        },
        "base_url_help": "The site's {domain}: requests go to this URL followed by /external/gift/.",
        "auth_secret_help": "Never shown. Leave empty to keep the current value.",
        "button": "Test connection",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_partner_site_page_labels_help_and_test_button_read_in_the_language(admin_client, language):
    site = PartnerSiteFactory(name="shop")
    expected = PARTNER_SITE_FORM[language]

    response = admin_client.get(admin_url(language, f"catalog/partnersite/{site.pk}/change/"))

    page = response.content.decode()
    assert response.status_code == 200
    shown = labels(page)
    assert {field: shown[field] for field in expected["labels"]} == expected["labels"]
    assert help_text(page, "base_url") == expected["base_url_help"]
    assert help_text(page, "auth_secret") == expected["auth_secret_help"]
    assert expected["button"] in buttons(page)


PUSH_PAGE = {
    "ro": ["2 cadouri selectate.", "2 de creat", "Arată planul", "Confirmă trimiterea"],
    "ru": ["Выбрано 2 подарка.", "2 к созданию", "Показать план", "Подтвердить отправку"],
    "uk": ["Вибрано 2 подарунки.", "2 до створення", "Показати план", "Підтвердити надсилання"],
    "en": ["2 gifts selected.", "2 to create", "Show plan", "Confirm push"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_push_plan_page_reads_in_the_language_with_its_plural_forms(admin_client, language):
    # given: one enabled site, so the page goes straight to its plan
    site = PartnerSiteFactory(name="shop")
    gifts = GiftFactory.create_batch(2)
    # when
    response = admin_client.post(
        admin_url(language, "catalog/gift/"),
        {"action": "push_to_partner_site", "_selected_action": [g.pk for g in gifts], "site": site.pk},
    )
    # then
    page = text(response.content.decode())
    assert response.status_code == 200
    assert [phrase for phrase in PUSH_PAGE[language] if phrase in page] == PUSH_PAGE[language]


ACTIVATED = {
    "ro": ["1 cadou activat.", "2 cadouri activate.", "21 de cadouri activate."],
    "ru": ["1 подарок активирован.", "2 подарка активированы.", "21 подарок активирован."],
    "uk": ["1 подарунок активовано.", "2 подарунки активовано.", "21 подарунок активовано."],
    "en": ["1 gift activated.", "2 gifts activated.", "21 gifts activated."],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_action_messages_take_the_languages_plural_forms(admin_client, language):
    gifts = GiftFactory.create_batch(21, active=False)
    url = admin_url(language, "catalog/gift/")

    shown = []
    for selected in (gifts[:1], gifts[:2], gifts):
        response = admin_client.post(
            url, {"action": "activate", "_selected_action": [g.pk for g in selected]}, follow=True
        )
        shown += [str(message) for message in response.context["messages"]]

    assert shown == ACTIVATED[language]
