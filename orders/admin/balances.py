"""Supplier balances: the history of reads, and "Refresh", which reads again in the background."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from giftoffice.admin_mixins import ReadOnlyAdminMixin
from orders.models import BalanceReading
from orders.services import balance


@admin.register(BalanceReading)
class BalanceReadingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["read_at", "supplier", "ok", "balance", "draft_balance", "currency", "error"]
    list_filter = ["supplier", "ok"]
    date_hierarchy = "read_at"
    show_full_result_count = False

    def get_urls(self):
        refresh = self.admin_site.admin_view(require_POST(self.refresh_view))
        return [path("refresh/", refresh, name="orders_balancereading_refresh"), *super().get_urls()]

    def refresh_view(self, request: HttpRequest) -> HttpResponseRedirect:
        if not self.has_view_permission(request):
            raise PermissionDenied
        balance.enqueue_refresh()
        self.message_user(
            request, _("The balances are being read again; reload in a few seconds."), messages.INFO
        )
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("admin:index")
        return HttpResponseRedirect(back)
