"""Admin of promo campaigns: "Send to Telegram users…" on the Giftly gifts, the campaigns with "Resume",
and the run pages of campaign sends and order polls (the shared run page of `giftoffice.runs`).

The catalog never imports orders, so the send action is contributed from here: the catalog's
TelegramGift admin is re-registered as a subclass that adds it (as `orders.admin` does for "Buy…" on
offers), and that wakes the Telegram reports waiting for a gift's marketplace name when it is set.
Every state change is a POST with Django's CSRF check; the work is in `orders.services.campaigns`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog.admin.products import TelegramGiftAdmin
from catalog.models import TelegramGift
from giftoffice.admin_mixins import ReadOnlyAdminMixin
from giftoffice.runs.admin import RunAdminMixin
from orders.admin.orders import CONFIRMATION, confirmed_already, posted_again
from orders.models import Campaign, CampaignRun, PollRun, PurchaseKind
from orders.services import campaigns, giftly, purchase_keys, queue, report_outbox
from orders.services.sales import SaleInputError

SEND_PERM = "orders.add_campaign"
RESUME_PERM = "orders.resume_campaign"
SEND = PurchaseKind.SEND
MAX_FILE_BYTES = 1_000_000  # 10,000 ids of 19 digits and a newline each, with room to spare


class SendForm(forms.Form):
    recipients = forms.CharField(
        label=_("recipient Telegram ids"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One id per line: one recipient, or up to 10,000 for a promo campaign."),
    )
    recipients_file = forms.FileField(
        label=_("or a file of ids"), required=False, help_text=_("Plain text, one id per line.")
    )
    text = forms.CharField(
        label=_("message text"),
        required=False,
        max_length=giftly.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent with the gift; Giftly's greeting if empty."),
    )
    buyer_id = forms.CharField(label=_("buyer Telegram id"), required=False, max_length=20)
    amount_paid = forms.CharField(
        label=_("amount paid"), required=False, max_length=40, help_text=_("What each customer paid.")
    )
    currency = forms.CharField(label=_("currency"), required=False, max_length=8)

    def recipient_lines(self) -> list[str]:
        lines = (self.cleaned_data.get("recipients") or "").splitlines()
        upload = self.cleaned_data.get("recipients_file")
        if upload is not None:
            if upload.size > MAX_FILE_BYTES:
                raise SaleInputError(_("the file of ids is larger than 1 MB"))
            try:
                lines += upload.read().decode("utf-8-sig").splitlines()
            except UnicodeDecodeError:
                raise SaleInputError(_("the file of ids is not UTF-8 text")) from None
        return lines


class TelegramGiftWithSendAdmin(TelegramGiftAdmin):
    """The catalog's Telegram gift admin plus "Send to Telegram users…" (contributed by orders)."""

    actions = [*(TelegramGiftAdmin.actions or []), "send_to_users"]
    change_form_template = "admin/orders/telegramgift/change_form.html"

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SEND_PERM)

    def save_model(self, request: HttpRequest, obj: TelegramGift, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "marketplace_name" in form.changed_data and obj.report_gift_name:
            report_outbox.wake_waiting_reports()  # reports waiting for this name go out now

    def get_urls(self):
        view = self.admin_site.admin_view(self.send_view)
        return [path("<int:pk>/send/", view, name="catalog_telegramgift_send"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_send": self.has_send_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Send to Telegram users…"), permissions=["send"])
    def send_to_users(self, request: HttpRequest, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one Telegram gift to send."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:catalog_telegramgift_send", args=[queryset.get().pk]))

    def _queued(
        self, request: HttpRequest, run: CampaignRun, preview: campaigns.CampaignPreview
    ) -> HttpResponse:
        self.message_user(
            request,
            gettext("Campaign #%(id)s queued: %(count)d recipients.")
            % {"id": run.campaign_id, "count": preview.count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:orders_campaignrun_change", args=[run.pk]))

    def send_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_send_permission(request):
            raise PermissionDenied
        gift = get_object_or_404(TelegramGift, pk=pk)
        form = SendForm(request.POST or None, request.FILES or None)
        preview = None
        token = request.POST.get(CONFIRMATION)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            confirm = "confirm" in request.POST
            try:
                if (first := posted_again(request, SEND)) is not None:
                    return confirmed_already(self, request, first)
                lines = form.recipient_lines()
                preview = campaigns.preview_campaign(
                    telegram_gift=gift,
                    recipients=lines,
                    text=data["text"],
                    buyer_id=data["buyer_id"],
                    amount_paid=data["amount_paid"],
                    currency=data["currency"],
                )
            except SaleInputError as exc:
                form.add_error(None, exc.localized())
            else:
                if confirm:
                    try:
                        done = purchase_keys.once(
                            key=token,
                            kind=SEND,
                            user=request.user,
                            make=lambda: queue.create_campaign(preview=preview, user=request.user),
                        )
                    except SaleInputError as exc:
                        # Shown on the confirmation page again, with a fresh token.
                        self.message_user(request, exc.localized(), messages.ERROR)
                    else:
                        if done.repeated:
                            return confirmed_already(self, request, done.key)
                        return self._queued(request, done.made, preview)
                # The confirmation page posts the ids back as text, the uploaded file's included.
                form = SendForm(initial={**data, "recipients": "\n".join(lines)})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Send %(gift)s to Telegram users") % {"gift": gift},
            "gift": gift,
            "form": form,
            "preview": preview,
            "confirmation": purchase_keys.new_token(),
        }
        return TemplateResponse(request, "admin/orders/telegramgift/send.html", context)


admin.site.unregister(TelegramGift)
admin.site.register(TelegramGift, TelegramGiftWithSendAdmin)


class CampaignRunInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CampaignRun
    extra = 0
    fields = ["status", "created_at", "finished_at", "done", "sent", "unknown", "failed", "message"]
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("sends")


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "telegram_gift",
        "created_at",
        "created_by",
        "status",
        "recipient_count",
        "progress",
    ]
    list_filter = ["status", "created_at"]
    list_select_related = ["telegram_gift", "created_by"]
    date_hierarchy = "created_at"
    actions = ["resume"]
    inlines = [CampaignRunInline]
    change_form_template = "admin/orders/campaign/change_form.html"
    fields = [
        ("telegram_gift", "status"),
        "message",
        "progress",
        ("recipient_count", "total_cost"),
        "rejected_display",
        "text",
        ("buyer_id", "amount_paid", "currency"),
        ("created_by", "created_at"),
    ]
    readonly_fields = [
        "telegram_gift",
        "status",
        "message",
        "progress",
        "recipient_count",
        "total_cost",
        "rejected_display",
        "text",
        "buyer_id",
        "amount_paid",
        "currency",
        "created_by",
        "created_at",
    ]

    def has_resume_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RESUME_PERM)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # Who may start a campaign may follow it.
        return super().has_view_permission(request, obj) or request.user.has_perm(SEND_PERM)

    @admin.display(description=_("recipients"))
    def recipient_count(self, obj: Campaign) -> int:
        return len(obj.recipients)

    @admin.display(description=_("total supplier cost"))
    def total_cost(self, obj: Campaign) -> str:
        return f"{obj.telegram_gift.price_rub * len(obj.recipients)} RUB"

    @admin.display(description=_("progress"))
    def progress(self, obj: Campaign) -> str:
        counts = campaigns.campaign_counts(obj)
        return (
            gettext(
                "sent %(sent)d, outcome unknown %(unknown)d, failed %(failed)d, sending %(in_progress)d, "
                "not sent yet %(not_sent)d"
            )
            % counts
        )

    @admin.display(description=_("rejected recipient ids"))
    def rejected_display(self, obj: Campaign) -> str:
        if not obj.rejected:
            return "—"
        return format_html_join(", ", "<code>{}</code> ({})", ((value, why) for value, why in obj.rejected))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/resume/", wrap(require_POST(self.resume_view)), name="orders_campaign_resume"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        can_resume = obj is not None and campaigns.is_resumable(obj) and self.has_resume_permission(request)
        extra_context = {**(extra_context or {}), "can_resume": can_resume}
        return super().change_view(request, object_id, form_url, extra_context)

    def _resume(self, request: HttpRequest, campaign: Campaign) -> CampaignRun | None:
        try:
            run = queue.resume_campaign(campaign=campaign, user=request.user)
        except campaigns.CampaignError as exc:
            self.message_user(request, exc.localized(), messages.WARNING)
            return None
        self.message_user(
            request, gettext("Campaign #%(id)s resumed.") % {"id": campaign.pk}, messages.SUCCESS
        )
        return run

    @admin.action(description=_("Resume paused campaigns"), permissions=["resume"])
    def resume(self, request: HttpRequest, queryset) -> None:
        for campaign in queryset:
            self._resume(request, campaign)

    def resume_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_resume_permission(request):
            raise PermissionDenied
        campaign = get_object_or_404(Campaign, pk=pk)
        run = self._resume(request, campaign)
        if run is None:
            return HttpResponseRedirect(reverse("admin:orders_campaign_change", args=[campaign.pk]))
        return HttpResponseRedirect(reverse("admin:orders_campaignrun_change", args=[run.pk]))


@admin.register(CampaignRun)
class CampaignRunAdmin(RunAdminMixin, admin.ModelAdmin):
    """Each send of a campaign on the shared, self-refreshing run page."""

    list_display = [
        "id",
        "campaign",
        "status_display",
        "trigger",
        "created_at",
        "done",
        "sent",
        "unknown",
        "failed",
    ]
    list_filter = ["status", "trigger"]
    list_select_related = ["campaign__telegram_gift"]
    fields = ["campaign_link", ("sent", "unknown", "failed"), *RunAdminMixin.lifecycle_fields, "duration"]
    readonly_fields = [
        "campaign_link",
        "sent",
        "unknown",
        "failed",
        *RunAdminMixin.lifecycle_fields,
        "duration",
    ]
    error_columns = [("recipient", _("recipient")), ("order", _("transaction id")), ("error", _("error"))]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # Who may start a campaign may follow its progress page.
        return super().has_view_permission(request, obj) or request.user.has_perm(SEND_PERM)

    @admin.display(description=_("campaign"))
    def campaign_link(self, obj: CampaignRun) -> str:
        url = reverse("admin:orders_campaign_change", args=[obj.campaign_id])
        return format_html('<a href="{}">{}</a> — {}', url, obj.campaign, obj.campaign.get_status_display())


@admin.register(PollRun)
class PollRunAdmin(RunAdminMixin, admin.ModelAdmin):
    """Each pass over the open supplier orders (schedule or poll_orders), on the shared run page."""

    list_display = ["id", "status_display", "trigger", "created_at", "duration", "done", "total", "after"]
    list_filter = ["status", "trigger"]
    fields = ["after", *RunAdminMixin.lifecycle_fields, "duration"]
    readonly_fields = fields

    @admin.display(description=_("statuses after the pass"))
    def after(self, obj: PollRun) -> str:
        return ", ".join(f"{status} {count}" for status, count in sorted(obj.statuses.items())) or "—"
