"""Admin: "Sell…" on a gift of our catalog buys the supplier item that fulfils it for a customer.

Contributed from orders (the catalog never imports orders): the catalog's Gift admin is re-registered
as a subclass with the action, its page and a button on the gift's page. A Telegram gift is sent to
one recipient; a GamesDrop offer goes through the same check-then-confirm as "Buy…" on the offer.
Either way the sale records the gift.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.admin.gifts import GiftAdmin
from catalog.models import Gift
from giftoffice.integrations.base import IntegrationError
from orders.admin.orders import BUY_PERM, CONFIRMATION, BuyForm, confirmed_already, posted_again
from orders.models import PurchaseKind, Supplier
from orders.services import gamesdrop, giftly, purchase_keys, queue, selling
from orders.services.recipients import parse_telegram_id
from orders.services.sales import SaleInputError, parse_paid

SELL = PurchaseKind.SELL


class SellTelegramForm(forms.Form):
    recipient_id = forms.CharField(label=_("recipient Telegram id"), max_length=20)
    text = forms.CharField(
        label=_("message text"),
        required=False,
        max_length=giftly.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    buyer_id = forms.CharField(label=_("buyer Telegram id"), required=False, max_length=20)
    amount_paid = forms.CharField(label=_("amount paid"), required=False, max_length=40)
    currency = forms.CharField(label=_("currency"), required=False, max_length=8)

    def clean(self):
        data = super().clean()
        try:
            data["recipient"] = parse_telegram_id(data.get("recipient_id") or "")
            data["buyer"] = parse_telegram_id(data["buyer_id"]) if data.get("buyer_id") else None
            data["paid"] = parse_paid(amount=data.get("amount_paid"), currency=data.get("currency"))
        except SaleInputError as exc:
            raise forms.ValidationError(exc.localized()) from exc
        return data


class GiftWithSellAdmin(GiftAdmin):
    """The catalog's gift admin plus "Sell…" (contributed by orders)."""

    actions = [*GiftAdmin.actions, "sell"]
    change_form_template = "admin/orders/gift/change_form.html"

    def has_sell_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(BUY_PERM)

    def get_urls(self):
        view = self.admin_site.admin_view(self.sell_view)
        return [path("<int:pk>/sell/", view, name="catalog_gift_sell"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_sell": self.has_sell_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Sell…"), permissions=["sell"])
    def sell(self, request: HttpRequest, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one gift to sell."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:catalog_gift_sell", args=[queryset.get().pk]))

    def sell_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_sell_permission(request):
            raise PermissionDenied
        gift = get_object_or_404(Gift.objects.select_related("telegram_gift", "offer"), pk=pk)
        change_url = reverse("admin:catalog_gift_change", args=[gift.pk])
        try:
            supplier = selling.fulfilling_supplier(gift)
        except SaleInputError as exc:
            self.message_user(request, exc.localized(), messages.ERROR)
            return HttpResponseRedirect(change_url)
        if supplier == Supplier.GIFTLY:
            return self._sell_telegram(request, gift)
        return self._sell_offer(request, gift)

    def _context(self, request: HttpRequest, gift: Gift, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Sell %(gift)s") % {"gift": gift},
            "gift": gift,
            "confirmation": purchase_keys.new_token(),
            **extra,
        }

    def _placed(self, request: HttpRequest, order) -> HttpResponse:
        self.message_user(
            request,
            gettext("Order %(id)s placed; it is being sent to the supplier.") % {"id": order.transaction_id},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:orders_supplierorder_change", args=[order.pk]))

    def _sell_telegram(self, request: HttpRequest, gift: Gift) -> HttpResponse:
        # No check step: the form page is the confirmation page, and carries the one-time token.
        form = SellTelegramForm(request.POST or None)
        token = request.POST.get(CONFIRMATION)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            amount, currency = data["paid"]
            try:
                done = purchase_keys.once(
                    key=token,
                    kind=SELL,
                    user=request.user,
                    make=lambda: queue.sell_telegram_gift(
                        gift=gift,
                        recipient_id=data["recipient"],
                        text=data["text"] or None,
                        buyer_id=data["buyer"],
                        amount_paid=amount,
                        currency=currency,
                        user=request.user,
                    ),
                )
            except SaleInputError as exc:
                form.add_error(None, exc.localized())
            else:
                if done.repeated:
                    return confirmed_already(self, request, done.key)
                return self._placed(request, done.made)
        item = gettext("Telegram gift %(gift)s, %(price)s RUB") % {
            "gift": gift.telegram_gift,
            "price": gift.telegram_gift.price_rub,
        }
        return TemplateResponse(
            request, "admin/orders/gift/sell.html", self._context(request, gift, form=form, item=item)
        )

    def _sell_offer(self, request: HttpRequest, gift: Gift) -> HttpResponse:
        offer = gift.offer
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
                if (first := posted_again(request, SELL)) is not None:
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
                        kind=SELL,
                        user=request.user,
                        make=lambda: queue.place_order(
                            check=check,
                            user=request.user,
                            override_margin=bool(data.get("override_margin")),
                            buyer_id=data["buyer"],
                            amount_paid=amount,
                            currency=currency,
                            gift=gift,
                        ),
                    )
                    if done.repeated:
                        return confirmed_already(self, request, done.key)
                    return self._placed(request, done.made)
            except SaleInputError as exc:
                form.add_error(None, exc.localized())
                check = None
        item = gettext("GamesDrop offer %(offer)s") % {"offer": offer}
        context = self._context(request, gift, form=form, check=check, offer=offer, item=item)
        return TemplateResponse(request, "admin/orders/gift/sell.html", context)


admin.site.unregister(Gift)
admin.site.register(Gift, GiftWithSellAdmin)
