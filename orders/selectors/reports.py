"""Reads of the Telegram purchase reports, for the Sale admin and anything else that shows them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from orders.models import PurchaseReport, ReportStatus, Sale

__all__ = ["STATUS_COLOURS", "SaleReportStatus", "report_status_for_sale"]

STATUS_COLOURS = {
    ReportStatus.REPORTED: "#2e7d32",
    ReportStatus.PENDING: "#555",
    ReportStatus.SENDING: "#1565c0",
    ReportStatus.WAITING: "#b26b00",
    ReportStatus.NOT_REPORTABLE: "#ba2121",
    ReportStatus.FAILED: "#ba2121",
}


@dataclass(frozen=True)
class SaleReportStatus:
    status: str  # a ReportStatus, or "" when the sale has no report
    label: str  # in the active language
    detail: str  # why it waits, or Telegram's refusal; English, as stored
    report_id: int | None


def report_status_for_sale(sale: Sale) -> SaleReportStatus:
    """The sale's report as the admin shows it. Uses `sale.telegram_report` when select_related."""
    try:
        report: PurchaseReport = sale.telegram_report
    except PurchaseReport.DoesNotExist:
        label = _("not reported yet") if sale.completed_at is None else _("no Telegram gifts: not reported")
        return SaleReportStatus(status="", label=str(label), detail="", report_id=None)
    detail = report.last_error if report.status == ReportStatus.FAILED else report.reason
    return SaleReportStatus(
        status=report.status, label=str(report.get_status_display()), detail=detail, report_id=report.pk
    )
