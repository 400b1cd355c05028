"""The report and rate admin, the Sale admin's report pieces, and the report_purchases / import_rates
commands."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django_q.models import OrmQ

from catalog.models import TelegramGift
from orders.admin.reports import PurchaseReportAdmin, SaleReportStatusMixin
from orders.models import ExchangeRate, PurchaseReport, ReportStatus
from orders.selectors.reports import report_status_for_sale
from orders.services.sales import on_sale_completed
from tests.orders.report_factories import ExchangeRateFactory, SaleFactory, sale_of

pytestmark = pytest.mark.django_db


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def report_for(*names: str, **fields) -> PurchaseReport:
    sale = sale_of(*(names or ("plushpepe-1",)), **fields)
    on_sale_completed(sale=sale)
    return PurchaseReport.objects.get(sale=sale)


def failed_report(**fields) -> PurchaseReport:
    report = report_for(**fields)
    PurchaseReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED, attempts=1, last_error="Bad Request: STARGIFT_INVALID"
    )
    report.refresh_from_db()
    return report


def staff(*perms: str) -> User:
    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


# --- report admin ----------------------------------------------------------------------------------------


def test_the_report_list_shows_status_attempts_and_why(admin_client):
    failed_report()
    report_for(buyer_id=None)

    body = admin_client.get(en("admin:orders_purchasereport_changelist")).content.decode()

    assert 'class="report-status report-failed"' in body
    assert "Bad Request: STARGIFT_INVALID" in body
    assert 'class="report-status report-not_reportable"' in body
    assert "the sale has no buyer Telegram id" in body


def test_the_report_page_shows_the_payload_as_formatted_json_and_never_the_token(admin_client):
    report = report_for()

    body = admin_client.get(en("admin:orders_purchasereport_change", report.pk)).content.decode()

    assert f"&quot;transaction_id&quot;: &quot;{report.transaction_id}&quot;" in body
    assert "  &quot;method&quot;: &quot;reportGiftPurchase&quot;,\n  &quot;parameters&quot;: {" in body
    assert settings.TELEGRAM_BOT_TOKEN not in body


def test_retry_puts_failed_reports_back_and_leaves_the_others(admin_client, monkeypatch):
    failed = failed_report()
    pending = report_for()
    enqueued = []
    monkeypatch.setattr("orders.services.report_outbox._enqueue_on_commit", lambda: enqueued.append(1))

    response = admin_client.post(
        en("admin:orders_purchasereport_changelist"),
        {"action": "retry", "_selected_action": [failed.pk, pending.pk]},
        follow=True,
    )

    failed.refresh_from_db()
    assert (failed.status, failed.payload is not None) == (ReportStatus.PENDING, True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 report will be sent again.",
        "1 report was not failed and was left as it is.",
    ]
    assert enqueued == [1]  # a send is queued for the retried one


def test_retry_needs_its_own_permission(client):
    failed = failed_report()
    client.force_login(staff("view_purchasereport"))
    changelist = en("admin:orders_purchasereport_changelist")

    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "retry", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == ReportStatus.FAILED

    client.force_login(User.objects.create_user("lead", password="pw", is_staff=True))
    lead = User.objects.get(username="lead")
    for codename in ("view_purchasereport", "retry_purchasereport"):
        lead.user_permissions.add(Permission.objects.get(codename=codename))
    client.post(changelist, {"action": "retry", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == ReportStatus.PENDING


def test_reports_cannot_be_added_edited_or_deleted_in_the_admin(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    model_admin = PurchaseReportAdmin(PurchaseReport, None)

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_exchange_rates_are_listed_and_added_in_the_admin(admin_client, django_capture_on_commit_callbacks):
    ExchangeRateFactory()
    report_for(currency="RUB", completed_at=datetime(2025, 12, 1, tzinfo=UTC))  # before any RUB->USD rate
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            en("admin:orders_exchangerate_add"),
            {
                "from_currency": "rub",
                "to_currency": "ton",
                "rate": "0.0031",
                "valid_from_0": "2026-02-01",
                "valid_from_1": "00:00:00",
            },
        )

    assert response.status_code == 302
    assert [c.__qualname__ for c in callbacks] == ["enqueue_reevaluation"]  # the waiting report wakes up
    assert ExchangeRate.objects.filter(from_currency="RUB", to_currency="TON").count() == 1
    assert admin_client.get(en("admin:orders_exchangerate_changelist")).status_code == 200


@pytest.mark.parametrize(
    ("code", "language", "message"),
    [
        ("USД", "en", "USД is not a currency code: three letters A-Z (ISO 4217)"),
        ("ＵＳＤ", "en", "ＵＳＤ is not a currency code: three letters A-Z (ISO 4217)"),  # noqa: RUF001
        ("USDT", "ro", "USDT nu este un cod de monedă: trei litere A-Z (ISO 4217)"),
    ],
)
def test_the_rate_admin_refuses_what_the_import_refuses_and_saves_nothing(
    admin_client, code, language, message
):
    with translation.override(language):
        url = reverse("admin:orders_exchangerate_add")
    response = admin_client.post(
        url,
        {
            "from_currency": code,
            "to_currency": "TON",
            "rate": "0.0031",
            "valid_from_0": "2026-02-01",
            "valid_from_1": "00:00:00",
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert ExchangeRate.objects.count() == 0


# --- the Sale admin's pieces -----------------------------------------------------------------------------


def test_report_status_for_sale_says_what_the_sale_admin_shows(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    waiting = report_for(currency="RUB")
    failed = failed_report()
    plain = SaleFactory()

    with translation.override("en"):
        views = [report_status_for_sale(s) for s in (waiting.sale, failed.sale, plain)]

    assert [(v.status, v.label, v.detail) for v in views] == [
        ("WAITING", "waiting", "no RUB->USD rate at 2026-02-06T10:23:12Z"),
        ("FAILED", "failed", "Bad Request: STARGIFT_INVALID"),
        ("", "no Telegram gifts: not reported", ""),
    ]
    with translation.override("en"):
        cell = SaleReportStatusMixin().telegram_report(failed.sale)
    assert reverse("admin:orders_purchasereport_change", args=[failed.pk]) in cell
    assert "Bad Request: STARGIFT_INVALID" in cell


# --- the Giftly gifts list marks gifts without a marketplace name ----------------------------------------


def test_the_giftly_gifts_list_marks_and_filters_gifts_without_a_marketplace_name(admin_client):
    TelegramGift.objects.update(marketplace_name="")
    named = TelegramGift.objects.first()
    named.marketplace_name = "teddy-1"
    named.save()
    changelist = en("admin:catalog_telegramgift_changelist")

    body = admin_client.get(changelist).content.decode()
    missing = admin_client.get(changelist, {"marketplace_name": "missing"})

    assert "missing: reports wait" in body
    assert "teddy-1" in body
    assert named not in missing.context["cl"].result_list
    assert len(missing.context["cl"].result_list) == TelegramGift.objects.count() - 1


# --- commands --------------------------------------------------------------------------------------------


def test_report_purchases_dry_run_prints_the_payloads_and_changes_nothing(settings):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    pending = report_for()
    waiting = report_for(currency="RUB", amount_paid=Decimal("2500"))
    ExchangeRateFactory(rate=Decimal("0.0109"))  # the waiting one would now go out too
    out = io.StringIO()

    call_command("report_purchases", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert [json.loads(line)["parameters"]["transaction_id"] for line in lines[:-1]] == [
        pending.transaction_id,
        waiting.transaction_id,
    ]
    assert json.loads(lines[1])["parameters"]["amount"] == 2725
    assert lines[-1] == "dry run: 2 report(s) would be sent"
    waiting.refresh_from_db()
    assert (waiting.status, waiting.payload) == (ReportStatus.WAITING, None)


def test_report_purchases_sends_and_prints_a_summary(monkeypatch):
    report_for()
    sent = []
    monkeypatch.setattr(
        "giftoffice.integrations.telegram.TelegramClient.report_gift_purchase",
        lambda self, report, duplicate_ok=False: sent.append(report.transaction_id) or "reported",
    )
    out = io.StringIO()

    call_command("report_purchases", stdout=out)

    assert len(sent) == 1
    assert out.getvalue() == (
        "reports: 1 reported (0 already on Telegram), 0 to retry, 0 failed; 0 became sendable, "
        "0 waiting, 0 not reportable\n"
    )


GOOD_CSV = """from_currency,to_currency,rate,valid_from
RUB,USD,0.0109,2026-02-01T00:00:00Z
rub,ton,0.003123456789,2026-02-01T00:00:00+03:00
RUB,USD,0.0111,2026-02-08

"""


def test_import_rates_loads_every_row(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(GOOD_CSV)
    out = io.StringIO()

    call_command("import_rates", str(path), stdout=out)
    call_command("import_rates", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        "rates: 3 created, 0 updated, 0 unchanged",
        "rates: 0 created, 0 updated, 3 unchanged",
    ]
    rows = sorted(ExchangeRate.objects.values_list("from_currency", "to_currency", "rate", "valid_from"))
    assert rows == [
        ("RUB", "TON", Decimal("0.003123456789"), datetime(2026, 1, 31, 21, 0, tzinfo=UTC)),
        ("RUB", "USD", Decimal("0.0109"), datetime(2026, 2, 1, tzinfo=UTC)),
        ("RUB", "USD", Decimal("0.0111"), datetime(2026, 2, 8, tzinfo=UTC)),
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("from,to,rate,valid_from\nRUB,USD,1,2026-02-01\n",
         "nothing loaded: line 1: the header must be exactly from_currency,to_currency,rate,valid_from"),
        ("from_currency,to_currency,rate,valid_from\nRUB,USD,0.01,2026-02-01\nRUB,USD,abc,2026-02-02\n",
         "nothing loaded: line 3: rate 'abc' is not a decimal number"),
        ("from_currency,to_currency,rate,valid_from\nRUB,USD,-1,2026-02-01\nRUB,USD,0.01,yesterday\n",
         "nothing loaded: line 2: rate '-1' must be a positive number; "
         "line 3: valid_from 'yesterday' is not an ISO 8601 date and time"),
        ("from_currency,to_currency,rate,valid_from\nRUB,RUB,1,2026-02-01\n",
         "nothing loaded: line 2: from_currency and to_currency are the same"),
        ("from_currency,to_currency,rate,valid_from\nRUB,USD,0.01\n",
         "nothing loaded: line 2: expected 4 columns, got 3"),
        ("from_currency,to_currency,rate,valid_from\nRUB,USD,NaN,2026-02-01\n",
         "nothing loaded: line 2: rate 'NaN' must be a positive number"),
        ("from_currency,to_currency,rate,valid_from\n",
         "nothing loaded: the file has no rates"),
    ],
)  # fmt: skip
def test_a_bad_rates_file_names_its_line_and_loads_nothing(tmp_path, text, error):
    path = tmp_path / "rates.csv"
    path.write_text(text)

    with pytest.raises(CommandError) as refused:
        call_command("import_rates", str(path))

    assert str(refused.value) == error
    assert not ExchangeRate.objects.exists()


# --- demo ------------------------------------------------------------------------------------------------


def test_the_demo_shows_a_report_in_each_state_and_loads_once(django_capture_on_commit_callbacks):
    from giftoffice.demo.reports import load_demo_reports

    with django_capture_on_commit_callbacks(execute=True):
        first = load_demo_reports()
        second = load_demo_reports()

    assert first == second == "2 waiting, 1 pending, 1 reported, 1 failed"
    assert [queued.func() for queued in OrmQ.objects.all()] == ["orders.tasks_reports.drain_reports"]
    reasons = dict(PurchaseReport.objects.values_list("transaction_id", "reason"))
    assert reasons["demo-waiting-rate"] == "no RUB->USD rate at 2026-01-15T09:00:00Z"
    assert reasons["demo-waiting-name"] == "gift 🧸 has no marketplace name"
    failed = PurchaseReport.objects.get(transaction_id="demo-failed")
    assert failed.last_error == "Bad Request: STARGIFT_INVALID"


@pytest.mark.parametrize(
    ("language", "action", "badge"),
    [
        ("ro", "Reîncearcă rapoartele eșuate selectate", "în așteptare"),
        ("ru", "Повторить выбранные неудачные отчёты", "ожидает данных"),
        ("uk", "Повторити вибрані невдалі звіти", "чекає даних"),
    ],
)
def test_the_report_admin_speaks_the_staff_language(admin_client, settings, language, action, badge):
    settings.TELEGRAM_REPORT_CURRENCY = "USD"
    report_for(currency="RUB")
    prefix = "" if language == "ro" else f"/{language}"

    with translation.override(language):
        url = reverse("admin:orders_purchasereport_changelist")
    body = admin_client.get(url).content.decode()

    assert url.startswith(prefix + "/admin/")
    assert action in body
    assert f">{badge}</b>" in body


def test_the_report_schedule_is_ensured_once_per_name(settings):
    from django_q.models import Schedule

    from orders.services import schedules

    settings.TELEGRAM_REPORTS_EVERY_MINUTES = 2
    schedules.ensure_schedules()
    schedules.ensure_schedules()

    assert list(
        Schedule.objects.filter(name="report-telegram-purchases").values_list(
            "name", "func", "args", "minutes"
        )
    ) == [("report-telegram-purchases", "orders.tasks_reports.send_reports", "", 2)]


def test_an_imported_rate_wakes_the_waiting_reports(tmp_path, django_capture_on_commit_callbacks):
    report_for(currency="RUB")  # no rate at all yet
    path = tmp_path / "rates.csv"
    path.write_text(GOOD_CSV)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("import_rates", str(path), stdout=io.StringIO())

    assert [c.__qualname__ for c in callbacks] == ["enqueue_reevaluation"]
