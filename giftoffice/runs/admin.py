"""The one admin page of a run, for every kind: status (dead included), progress, errors; it refreshes
itself while the run is queued or running. Mix `RunAdminMixin` in before `admin.ModelAdmin`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from giftoffice.admin_mixins import ReadOnlyAdminMixin
from giftoffice.runs.models import Run, RunStatus

STATUS_COLOURS = {
    RunStatus.SUCCEEDED: "#2e7d32",
    RunStatus.PARTLY_FAILED: "#b26a00",
    RunStatus.FAILED: "#ba2121",
}
DEAD_COLOUR = "#ba2121"
REFRESH_SECONDS = 2


class RunAdminMixin(ReadOnlyAdminMixin):
    """Read-only run history. `lifecycle_fields` go on every run page; kinds add their own fields."""

    change_form_template = "admin/runs/run_change_form.html"
    lifecycle_fields = [
        "status_display",
        "progress_display",
        "trigger",
        "triggered_by",
        "dry_run",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "claimed_by",
        "message",
        "errors_display",
    ]
    # (key in each stored error, column title) for the errors table.
    error_columns: list[tuple[str, Any]] = [("error", _("error"))]

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: Run) -> str:
        dead = obj.dead_since()
        if dead is not None:
            text = gettext("dead (no heartbeat since %(time)s)") % {
                "time": formats.date_format(timezone.localtime(dead), "DATETIME_FORMAT")
            }
            return format_html('<b class="run-dead" style="color:{}">{}</b>', DEAD_COLOUR, text)
        colour = STATUS_COLOURS.get(obj.status, "#555")
        return format_html('<b style="color:{}">{}</b>', colour, obj.get_status_display())

    @admin.display(description=_("progress"))
    def progress_display(self, obj: Run) -> str:
        if not obj.total:
            return format_html("{}", obj.done or "—")
        return format_html(
            '<progress value="{}" max="{}"></progress> {} / {}', obj.done, obj.total, obj.done, obj.total
        )

    @admin.display(description=_("errors"))
    def errors_display(self, obj: Run) -> str:
        if not obj.errors:
            return "—"
        head = format_html_join("", "<th>{}</th>", ((title,) for _key, title in self.error_columns))
        rows = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (
                    format_html_join(
                        "", "<td>{}</td>", ((error.get(key) or "—",) for key, _t in self.error_columns)
                    ),
                )
                for error in obj.errors
            ),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, rows)

    @admin.display(description=_("duration"))
    def duration(self, obj: Run) -> str:
        seconds = obj.duration_seconds
        return "—" if seconds is None else f"{seconds:.1f}s"

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        obj = self.get_object(request, object_id)
        follow = obj is not None and not obj.is_finished and obj.dead_since() is None
        extra_context = {**(extra_context or {}), "refresh_seconds": REFRESH_SECONDS if follow else None}
        return super().change_view(request, object_id, form_url, extra_context)
