"""Orders admin: sales and supplier orders with their event timeline, one permission per action, and
"Buy…" on GamesDrop offers. Every action is a POST with Django's CSRF check; the work is in services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog.admin.offers import OfferAdmin
from catalog.models import Offer
from giftoffice.admin_mixins import ReadOnlyAdminMixin, SecretFieldsAdminMixin
from giftoffice.integrations.base import IntegrationError
from orders.admin.reports import PurchaseReportInline, SaleReportStatusMixin
from orders.models import OrderEvent, OrderStatus, PurchaseKey, PurchaseKind, Sale, SupplierOrder
from orders.services import actions, gamesdrop, purchase_keys, queue
from orders.services.recipients import parse_telegram_id
from orders.services.sales import SaleInputError, parse_paid

BADGE_COLOURS = {
    OrderStatus.NEW: "#555",
    OrderStatus.SUBMITTING: "#1565c0",
    OrderStatus.SUBMITTED: "#1565c0",
    OrderStatus.PROCESSING: "#1565c0",
    OrderStatus.COMPLETED: "#2e7d32",
    OrderStatus.CANCELED: "#ba2121",
    OrderStatus.FAILED: "#ba2121",
    OrderStatus.REFUNDED: "#b26b00",
    OrderStatus.OUTCOME_UNKNOWN: "#8e24aa",
}
PERM = "orders.%s_supplierorder"
BUY_PERM = "orders.add_supplierorder"
BUY = PurchaseKind.BUY
CONFIRMATION = "confirmation"  # the confirmation pages' one-time token (orders.services.purchase_keys)


def badge(status: str, label: str) -> str:
    return format_html(
        '<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
        BADGE_COLOURS.get(status, "#555"),
        label,
    )


class OrderEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ["created_at", "from_status", "to_status", "actor", "message", "supplier_answer"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    verbose_name_plural = _("timeline")


class SupplierOrderInline(SecretFieldsAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = SupplierOrder
    extra = 0
    fields = ["transaction_id", "supplier", "telegram_gift", "offer", "status", "supplier_message"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Sale)
class SaleAdmin(SaleReportStatusMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "transaction_id",
        "created_at",
        "recipient_id",
        "buyer_id",
        "paid",
        "sale_type",
        "status_badge",
        "completed_at",
        "telegram_report",
    ]
    list_select_related = ["telegram_report"]
    list_filter = ["orders__status", "orders__supplier", "created_at", "completed_at", "sale_type"]
    search_fields = [
        "=transaction_id",
        "=recipient_id",
        "=orders__transaction_id",
        "=orders__supplier_order_id",
    ]
    date_hierarchy = "created_at"
    inlines = [SupplierOrderInline, PurchaseReportInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("orders")

    @admin.display(description=_("paid"))
    def paid(self, obj: Sale) -> str:
        return "—" if obj.amount_paid is None else f"{obj.amount_paid.normalize():f} {obj.currency}"

    @admin.display(description=_("status"))
    def status_badge(self, obj: Sale) -> str:
        if obj.completed_at is not None:
            return badge(OrderStatus.COMPLETED, OrderStatus.COMPLETED.label)
        orders = list(obj.orders.all())
        if not orders:
            return "—"
        order = orders[0]
        return badge(order.status, order.get_status_display())


class ResolveForm(forms.Form):
    delivered = forms.TypedChoiceField(
        label=_("verdict"),
        choices=[("yes", _("delivered")), ("no", _("not delivered"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("How you know.")
    )


@admin.register(SupplierOrder)
class SupplierOrderAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    list_display = [
        "transaction_id",
        "created_at",
        "supplier",
        "item",
        "recipient",
        "supplier_price",
        "status_badge",
        "supplier_order_id",
        "attempts",
        "short_message",
    ]
    list_filter = ["status", "supplier", "created_at"]
    search_fields = [
        "=transaction_id",
        "=sale__transaction_id",
        "=sale__recipient_id",
        "request__recipient",
        "request__game_user_id",
        "=supplier_order_id",
    ]
    list_select_related = ["sale", "telegram_gift", "offer"]
    date_hierarchy = "created_at"
    inlines = [OrderEventInline]
    actions = ["refresh_status", "retry", "cancel"]
    change_form_template = "admin/orders/supplierorder/change_form.html"
    fields = [
        ("transaction_id", "sale_link"),
        ("supplier", "telegram_gift", "offer"),
        "request",
        ("price", "currency"),
        ("status_badge", "supplier_order_id"),
        "supplier_message",
        "key",
        ("attempts", "polls", "next_poll_at"),
        ("created_at", "updated_at", "finished_at"),
    ]
    readonly_fields = [
        "transaction_id",
        "sale_link",
        "supplier",
        "telegram_gift",
        "offer",
        "request",
        "price",
        "currency",
        "status_badge",
        "supplier_order_id",
        "supplier_message",
        "key",
        "attempts",
        "polls",
        "next_poll_at",
        "created_at",
        "updated_at",
        "finished_at",
    ]

    # Orders are made by the purchase flows and changed only through the actions below.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _has(self, request: HttpRequest, action: str) -> bool:
        return request.user.has_perm(PERM % action)

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "refresh")

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "retry")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "cancel")

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "resolve")

    def has_reveal_key_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "reveal_key")

    # --- columns ---------------------------------------------------------------------------------------
    @admin.display(description=_("item"))
    def item(self, obj: SupplierOrder) -> str:
        return str(obj.telegram_gift or obj.offer or "—")

    @admin.display(description=_("recipient"))
    def recipient(self, obj: SupplierOrder) -> str:
        request = obj.request or {}
        return str(obj.sale.recipient_id or request.get("recipient") or request.get("game_user_id") or "—")

    @admin.display(description=_("supplier price"), ordering="price")
    def supplier_price(self, obj: SupplierOrder) -> str:
        return "—" if obj.price is None else f"{obj.price.normalize():f} {obj.currency}"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: SupplierOrder) -> str:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description=_("supplier message"))
    def short_message(self, obj: SupplierOrder) -> str:
        text = obj.supplier_message
        return text[:80] + ("…" if len(text) > 80 else "")

    @admin.display(description=_("sale"))
    def sale_link(self, obj: SupplierOrder) -> str:
        url = reverse("admin:orders_sale_change", args=[obj.sale_id])
        return format_html('<a href="{}">{}</a>', url, obj.sale.transaction_id)

    @admin.display(description=_("activation key"))
    def key(self, obj: SupplierOrder) -> str:
        # Masked always here: the clear key is shown only by "Reveal key", which records an event.
        return "••••••••" if obj.activation_key else "—"

    # --- list actions -----------------------------------------------------------------------------------
    def _each(self, request: HttpRequest, queryset, run, done: str) -> None:
        ok, refused = 0, []
        for order in queryset:
            try:
                run(order)
                ok += 1
            except actions.OrderActionError as exc:
                refused.append(f"{order.transaction_id}: {exc.localized()}")
            except IntegrationError as exc:
                refused.append(f"{order.transaction_id}: {exc}")
        if ok:
            self.message_user(request, done % {"count": ok}, messages.SUCCESS)
        for line in refused[:20]:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Refresh status from the supplier"), permissions=["refresh"])
    def refresh_status(self, request: HttpRequest, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda order: actions.refresh_order(order=order, actor=request.user),
            gettext("Refreshed %(count)d orders."),
        )

    @admin.action(
        description=_("Retry (orders not sent, or GamesDrop orders of unknown outcome)"),
        permissions=["retry"],
    )
    def retry(self, request: HttpRequest, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda order: actions.retry_order(order=order, actor=request.user),
            gettext("Retried %(count)d orders."),
        )

    @admin.action(description=_("Cancel (only orders not yet sent)"), permissions=["cancel"])
    def cancel(self, request: HttpRequest, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda order: actions.cancel_order(order=order, actor=request.user),
            gettext("Canceled %(count)d orders."),
        )

    # --- per-order pages: resolve, reveal key -------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/resolve/", wrap(self.resolve_view), name="orders_supplierorder_resolve"),
            path(
                "<int:pk>/reveal-key/",
                wrap(require_POST(self.reveal_key_view)),
                name="orders_supplierorder_reveal_key",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_resolve": self.has_resolve_permission(request),
            "can_reveal_key": self.has_reveal_key_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_resolve_permission(request):
            raise PermissionDenied
        order = get_object_or_404(SupplierOrder, pk=pk)
        change_url = reverse("admin:orders_supplierorder_change", args=[order.pk])
        form = ResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                actions.resolve_order(
                    order=order,
                    actor=request.user,
                    delivered=form.cleaned_data["delivered"],
                    note=form.cleaned_data["note"],
                )
            except actions.OrderActionError as exc:
                self.message_user(request, exc.localized(), messages.ERROR)
            else:
                self.message_user(request, gettext("Order resolved."), messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Resolve order %(id)s") % {"id": order.transaction_id},
            "order": order,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/orders/supplierorder/resolve.html", context)

    def reveal_key_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_reveal_key_permission(request):
            raise PermissionDenied
        order = get_object_or_404(SupplierOrder, pk=pk)
        change_url = reverse("admin:orders_supplierorder_change", args=[order.pk])
        try:
            key = actions.reveal_key(order=order, actor=request.user)
        except actions.OrderActionError as exc:
            self.message_user(request, exc.localized(), messages.ERROR)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Activation key of %(id)s") % {"id": order.transaction_id},
            "order": order,
            "activation_key": key,
            "change_url": change_url,
        }
        response = TemplateResponse(request, "admin/orders/supplierorder/key.html", context)
        response["Cache-Control"] = "no-store"
        return response


# --- "Buy…" on GamesDrop offers ----------------------------------------------------------------------


def posted_again(request: HttpRequest, kind: str) -> PurchaseKey | None:
    """The first use of this confirmation's token, if this POST confirms a page confirmed before."""
    token = request.POST.get(CONFIRMATION)
    if "confirm" not in request.POST or not token:
        return None
    return purchase_keys.used(key=token, kind=kind, user=request.user)


def confirmed_already(
    model_admin: admin.ModelAdmin, request: HttpRequest, first: PurchaseKey
) -> HttpResponse:
    """A confirmation posted again (double click, resubmit, retry): what its first POST made, nothing new."""
    run = purchase_keys.first_run(first)
    if run is not None:
        model_admin.message_user(
            request,
            gettext("Already confirmed: this page created campaign #%(id)s; nothing was sent again.")
            % {"id": run.campaign_id},
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:orders_campaignrun_change", args=[run.pk]))
    order = purchase_keys.first_order(first)
    if order is None:  # what it made was deleted since; the key stays used
        model_admin.message_user(
            request, gettext("Already confirmed: nothing was bought again."), messages.WARNING
        )
        return HttpResponseRedirect(reverse("admin:index"))
    model_admin.message_user(
        request,
        gettext("Already confirmed: this page placed order %(id)s; nothing was bought again.")
        % {"id": order.transaction_id},
        messages.WARNING,
    )
    return HttpResponseRedirect(reverse("admin:orders_supplierorder_change", args=[order.pk]))


class BuyForm(forms.Form):
    game_user_id = forms.CharField(
        label=_("game user id"), required=False, max_length=gamesdrop.CUSTOMER_FIELD_MAX
    )
    server = forms.ChoiceField(label=_("server"), required=False)
    email = forms.CharField(label=_("e-mail"), required=False, max_length=gamesdrop.EMAIL_MAX)
    telegram_username = forms.CharField(
        label=_("Telegram @username"),
        required=False,
        max_length=gamesdrop.CUSTOMER_FIELD_MAX,
        help_text=_("For Telegram Stars."),
    )
    buyer_id = forms.CharField(label=_("buyer Telegram id"), required=False, max_length=20)
    amount_paid = forms.CharField(label=_("amount paid"), required=False, max_length=40)
    currency = forms.CharField(label=_("currency"), required=False, max_length=8)
    override_margin = forms.BooleanField(label=_("buy even above our retail price"), required=False)

    def __init__(self, *args, servers: dict[str, str], can_override: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if servers:
            self.fields["server"].choices = [("", "—")] + [(v, f"{k} ({v})") for k, v in servers.items()]
            self.fields["server"].required = True
        else:
            del self.fields["server"]
        if not can_override:
            del self.fields["override_margin"]

    def clean(self):
        data = super().clean()
        try:
            # The service's own checks (buy_offer runs the same ones): one rule for every door.
            gamesdrop.check_customer(
                game_user_id=data.get("game_user_id"),
                email=data.get("email"),
                telegram_username=data.get("telegram_username"),
            )
            data["buyer"] = parse_telegram_id(data["buyer_id"]) if data.get("buyer_id") else None
            data["paid"] = parse_paid(amount=data.get("amount_paid"), currency=data.get("currency"))
        except SaleInputError as exc:
            raise forms.ValidationError(exc.localized()) from exc
        return data


class OfferWithBuyAdmin(OfferAdmin):
    """The catalog's offer admin plus "Buy…" (catalog knows nothing of orders; orders extends it)."""

    actions = [*OfferAdmin.actions, "buy"]
    change_form_template = "admin/orders/offer/change_form.html"

    def has_buy_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(BUY_PERM)

    def get_urls(self):
        view = self.admin_site.admin_view(self.buy_view)
        return [path("<int:pk>/buy/", view, name="catalog_offer_buy"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_buy": self.has_buy_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Buy…"), permissions=["buy"])
    def buy(self, request: HttpRequest, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one offer to buy."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:catalog_offer_buy", args=[queryset.get().pk]))

    def buy_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_buy_permission(request):
            raise PermissionDenied
        offer = get_object_or_404(Offer, pk=pk)
        can_override = request.user.has_perm(gamesdrop.OVERRIDE_MARGIN_PERM)
        try:
            servers = gamesdrop.server_choices(offer=offer)
        except IntegrationError as exc:
            servers = {}
            self.message_user(
                request, gettext("Servers could not be read: %(error)s") % {"error": exc}, messages.ERROR
            )
        form = BuyForm(request.POST or None, servers=servers, can_override=can_override)
        check = None
        token = request.POST.get(CONFIRMATION)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            confirm = "confirm" in request.POST
            try:
                # Before the checks: a repeat must show the first order, not call GamesDrop again.
                if (first := posted_again(request, BUY)) is not None:
                    return confirmed_already(self, request, first)
                check = gamesdrop.check_purchase(
                    offer=offer,
                    game_user_id=data.get("game_user_id"),
                    game_server_id=data.get("server"),
                    email=data.get("email"),
                    telegram_username=data.get("telegram_username"),
                )
                if confirm:
                    amount, currency = data["paid"]
                    done = purchase_keys.once(
                        key=token,
                        kind=BUY,
                        user=request.user,
                        make=lambda: queue.place_order(
                            check=check,
                            user=request.user,
                            override_margin=bool(data.get("override_margin")),
                            buyer_id=data["buyer"],
                            amount_paid=amount,
                            currency=currency,
                        ),
                    )
                    if done.repeated:
                        return confirmed_already(self, request, done.key)
                    order = done.made
                    self.message_user(
                        request,
                        gettext("Order %(id)s placed; it is being sent to GamesDrop.")
                        % {"id": order.transaction_id},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:orders_supplierorder_change", args=[order.pk]))
            except SaleInputError as exc:
                form.add_error(None, exc.localized())
                check = None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Buy %(offer)s") % {"offer": offer},
            "offer": offer,
            "form": form,
            "check": check,
            "confirmation": purchase_keys.new_token(),
        }
        return TemplateResponse(request, "admin/orders/offer/buy.html", context)


admin.site.unregister(Offer)
admin.site.register(Offer, OfferWithBuyAdmin)
