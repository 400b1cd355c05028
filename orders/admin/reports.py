"""Admin of the Telegram purchase reports and exchange rates, and the pieces the Sale admin includes:

class SaleAdmin(SaleReportStatusMixin, admin.ModelAdmin):
    list_display = [..., "telegram_report"]
    list_select_related = ["telegram_report"]
    readonly_fields = [..., "telegram_report"]
    inlines = [..., PurchaseReportInline]
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from giftoffice.admin_mixins import ReadOnlyAdminMixin
from orders.models import ExchangeRate, PurchaseReport, ReportStatus, Sale
from orders.selectors.reports import STATUS_COLOURS, report_status_for_sale
from orders.services import rate_import, report_outbox, reports


def status_badge_html(status: str, label: str) -> str:
    colour = STATUS_COLOURS.get(status, "#555")
    return format_html(
        '<b class="report-status report-{}" style="color:{}">{}</b>', status.lower(), colour, label
    )


@admin.register(PurchaseReport)
class PurchaseReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by the system only; staff look, and retry a failed report once they fixed its cause."""

    list_display = [
        "transaction_id",
        "status_badge",
        "attempts",
        "short_problem",
        "last_attempt_at",
        "next_attempt_at",
        "reported_at",
        "result",
        "created_at",
    ]
    list_filter = ["status", "result", "created_at", "reported_at"]
    search_fields = ["=transaction_id", "reason", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["sale"]
    actions = ["retry"]
    fields = [
        "transaction_id",
        "sale_link",
        "status_badge",
        "reason",
        "last_error",
        "attempts",
        "first_attempt_at",
        "last_attempt_at",
        "next_attempt_at",
        "reported_at",
        "result",
        "payload_json",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: PurchaseReport) -> str:
        return status_badge_html(obj.status, obj.get_status_display())

    @admin.display(description=_("problem"))
    def short_problem(self, obj: PurchaseReport) -> str:
        text = obj.last_error if obj.status in (ReportStatus.FAILED, ReportStatus.PENDING) else obj.reason
        return text[:100] + ("…" if len(text) > 100 else "")

    @admin.display(description=_("payload"))
    def payload_json(self, obj: PurchaseReport) -> str:
        if obj.payload is None:
            return "—"
        body = reports.wire_body(obj.payload)
        return format_html("<pre>{}</pre>", json.dumps(body, indent=2, ensure_ascii=False))

    @admin.display(description=_("sale"))
    def sale_link(self, obj: PurchaseReport) -> str:
        try:
            url = reverse("admin:orders_sale_change", args=[obj.sale_id])
        except Exception:  # the Sale admin lives in another module; without it, the plain id
            return str(obj.sale)
        return format_html('<a href="{}">{}</a>', url, obj.sale)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.retry_purchasereport")

    @admin.action(description=_("Retry selected failed reports"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[PurchaseReport]) -> None:
        retried = skipped = 0
        for report in queryset:
            if report.status == ReportStatus.FAILED and report_outbox.retry_report(report=report):
                retried += 1
            else:
                skipped += 1
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d report will be sent again.", "%(count)d reports will be sent again.", retried
                )
                % {"count": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d report was not failed and was left as it is.",
                    "%(count)d reports were not failed and were left as they are.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


class ExchangeRateForm(forms.ModelForm):
    """The admin's rate: currency codes held to the import's rule (three ASCII letters, ISO 4217's form),
    so a rate typed by hand is found by the same lookups as an imported one."""

    class Meta:
        model = ExchangeRate
        fields = ["from_currency", "to_currency", "rate", "valid_from"]

    def _code(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        if not rate_import.CURRENCY_CODE.fullmatch(value):
            raise forms.ValidationError(
                _("%(code)s is not a currency code: three letters A-Z (ISO 4217)"), params={"code": value}
            )
        return value.upper()

    def clean_from_currency(self) -> str:
        return self._code("from_currency")

    def clean_to_currency(self) -> str:
        return self._code("to_currency")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    form = ExchangeRateForm
    list_display = ["from_currency", "to_currency", "rate", "valid_from", "created_at"]
    list_filter = ["from_currency", "to_currency"]
    date_hierarchy = "valid_from"
    fields = ["from_currency", "to_currency", "rate", "valid_from"]

    def save_model(self, request: HttpRequest, obj: ExchangeRate, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        report_outbox.wake_waiting_reports()


# --- for the Sale admin ---------------------------------------------------------------------------------


class SaleReportStatusMixin:
    """Adds `telegram_report` (the report's status badge and why it waits or failed) to a Sale admin."""

    @admin.display(description=_("Telegram report"))
    def telegram_report(self, obj: Sale) -> str:
        view = report_status_for_sale(obj)
        if view.report_id is None:
            return view.label
        url = reverse("admin:orders_purchasereport_change", args=[view.report_id])
        badge = status_badge_html(view.status, view.label)
        if view.detail:
            return format_html('<a href="{}">{}</a> <small>{}</small>', url, badge, view.detail)
        return format_html('<a href="{}">{}</a>', url, badge)


class PurchaseReportInline(admin.StackedInline):
    model = PurchaseReport
    verbose_name = _("Telegram purchase report")
    verbose_name_plural = _("Telegram purchase report")
    can_delete = False
    extra = 0
    max_num = 0
    fields = ["status", "reason", "last_error", "attempts", "reported_at", "result"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
