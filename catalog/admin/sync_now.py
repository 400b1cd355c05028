"""The "Sync now" button of the supplier-catalog admins (Tribute products, GamesDrop offers)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.services.sync_queue import enqueue_sync


class SyncNowAdminMixin:
    """Adds a POST-only "Sync now" view that queues a sync of `sync_source` and opens its SyncRun.

    A sync rewrites the mirrored catalog, so it takes the model's change permission: users without it
    see no button and get 403. Mix in before `admin.ModelAdmin`.
    """

    sync_source: str
    change_list_template = "admin/catalog/sync_now_change_list.html"

    def _sync_now_url_name(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_sync_now"

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.sync_now_view))
        return [path("sync-now/", view, name=self._sync_now_url_name()), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_sync": self.has_change_permission(request),
            "sync_now_url": reverse(f"{self.admin_site.name}:{self._sync_now_url_name()}"),
        }
        return super().changelist_view(request, extra_context)

    def sync_now_view(self, request: HttpRequest) -> HttpResponseRedirect:
        if not self.has_change_permission(request):
            raise PermissionDenied
        run = enqueue_sync(source=self.sync_source, user=request.user)
        self.message_user(
            request,
            _("Sync queued as run #%(id)d; this page follows it until it finishes.") % {"id": run.pk},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:catalog_syncrun_change", args=[run.pk]))
