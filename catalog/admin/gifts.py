"""Admin for gifts (one tab per language), partners and their API keys."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from catalog.admin.partner_sites import GiftPublicationInline, can_push_gifts, push_to_partner_site
from catalog.models import Gift, Partner, PartnerApiKey
from catalog.selectors import breaks_gift_rules_q, live_gifts_q, missing_translation_q, missing_translations
from catalog.services.api_keys import issue_api_key, masked_key, revoke_api_keys
from catalog.services.gift_input import AFTER_START, BEFORE_REMOVAL, gift_errors, stored_gift_errors
from catalog.services.gifts import set_gifts_active
from giftoffice.admin_mixins import SecretFieldsAdminMixin


class LiveNowFilter(admin.SimpleListFilter):
    title = _("live now")
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(live_gifts_q())
        if self.value() == "no":
            return queryset.exclude(live_gifts_q())
        return queryset


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("missing translation (name, description or link)")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return [(code, name) for code, name in settings.LANGUAGES]

    def queryset(self, request, queryset):
        if self.value() in settings.LANGUAGE_CODES:
            return queryset.filter(missing_translation_q(self.value()))
        return queryset


class ThumbnailFileWidget(AdminFileWidget):
    """The stored image shown, not only its UUID file name; the "Clear" label survives the tabs (JS)."""

    template_name = "admin/catalog/widgets/thumbnail_file_input.html"


class BreaksRuleFilter(admin.SimpleListFilter):
    """Rows stored before the rules (or by a path that skipped them): listed here, never rewritten."""

    title = _("catalog rules")
    parameter_name = "rules"

    def lookups(self, request, model_admin):
        return [("broken", _("breaks a rule"))]

    def queryset(self, request, queryset):
        if self.value() == "broken":
            return queryset.filter(breaks_gift_rules_q())
        return queryset


class GiftAdminForm(forms.ModelForm):
    """Runs the API's rules (gift_input.stored_gift_errors) on what staff typed: one set of gift rules."""

    def clean(self):
        cleaned = super().clean()
        for field, problems in stored_gift_errors(cleaned).items():
            # The time window is reported by the model's own clean() in admin words; no second message.
            problems = [p for p in problems if p not in (AFTER_START, BEFORE_REMOVAL)]
            if problems and field in self.fields and field not in self.errors:
                self.add_error(field, [gettext(problem) for problem in problems])
        return cleaned


@admin.register(Gift)
class GiftAdmin(TabbedTranslationAdmin):
    form = GiftAdminForm
    list_display = ("display_name", "active", "time_window", "completeness", "owner")
    list_display_links = ("display_name",)
    list_filter = ("active", LiveNowFilter, "owner", MissingTranslationFilter, BreaksRuleFilter)
    search_fields = [f"name_{code}" for code in settings.LANGUAGE_CODES]
    list_select_related = ("owner",)
    readonly_fields = ("owner", "created_at", "updated_at")
    autocomplete_fields = ("telegram_gift", "offer")
    actions = ["activate", "deactivate", push_to_partner_site]
    inlines = [GiftPublicationInline]
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.ImageField: {"widget": ThumbnailFileWidget},
    }
    fieldsets = [
        (None, {"fields": ("name", "description", "link", "icon", "image")}),
        (_("Schedule"), {"fields": ("start_time", "removal_time", "active")}),
        (
            _("Fulfilment"),
            {
                "fields": ("telegram_gift", "offer"),
                "description": _(
                    "The supplier item bought when this gift is sold (optional, at most one). "
                    "Not sent to partners."
                ),
            },
        ),
        (_("Record"), {"fields": ("owner", "created_at", "updated_at")}),
    ]

    def get_inlines(self, request: HttpRequest, obj: Gift | None = None):
        # A gift being added has been published nowhere yet: no empty publications table on the add form.
        return self.inlines if obj is not None else []

    def has_push_gifts_permission(self, request: HttpRequest) -> bool:
        """Backs the push action's allowed_permissions: only holders of catalog.push_gifts see it."""
        return can_push_gifts(request)

    class Media:
        # After modeltranslation's script: ours reads the tabs it builds (Media keeps this order).
        js = ("modeltranslation/js/tabbed_translation_fields.js", "catalog/gift_admin.js")
        css = {"all": ("catalog/gift_admin.css",)}

    @admin.display(description=_("name"), ordering=f"name_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}")
    def display_name(self, gift: Gift) -> str:
        """The name with a thumbnail of the gift's icon (or image), so staff recognize it at a glance."""
        picture = next((f for f in (gift.icon_ro, gift.image_ro, gift.icon, gift.image) if f), None)
        if not picture:
            return str(gift)
        return format_html('<img src="{}" class="gift-list-thumbnail" alt=""> {}', picture.url, str(gift))

    @admin.display(description=_("time window"), ordering="start_time")
    def time_window(self, gift: Gift) -> str:
        start = timezone.localtime(gift.start_time)
        end = timezone.localtime(gift.removal_time)
        return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}"

    def changelist_view(self, request, extra_context=None):
        broken = Gift.objects.filter(breaks_gift_rules_q()).count()
        if broken and request.method == "GET" and request.GET.get(BreaksRuleFilter.parameter_name) is None:
            message = ngettext(
                "%(count)d gift breaks a catalog rule: it is neither served by the API nor pushed.",
                "%(count)d gifts break a catalog rule: they are neither served by the API nor pushed.",
                broken,
            ) % {"count": broken}
            url = f"?{BreaksRuleFilter.parameter_name}=broken"
            messages.warning(request, format_html('{} <a href="{}">{}</a>', message, url, _("Show them")))
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("translations"))
    def completeness(self, gift: Gift) -> str:
        if problems := gift_errors(gift):
            return format_html(
                '<span style="color:#b0322a;font-weight:bold" title="{}">⚠ {}</span>',
                "; ".join(f"{field}: {gettext(p)}" for field, texts in problems.items() for p in texts),
                _("breaks a rule"),
            )
        missing = missing_translations(gift)
        if not missing:
            return format_html('<span style="color:#2a7d2a">✓ {}</span>', _("complete"))
        return format_html_join(
            " · ",
            '<span style="color:#b0322a" title="{}">{}: {}</span>',
            (
                (
                    _("missing"),
                    code,
                    ", ".join(str(Gift._meta.get_field(field).verbose_name) for field in fields),
                )
                for code, fields in missing.items()
            ),
        )

    @admin.action(description=_("Activate selected gifts"), permissions=["change"])
    def activate(self, request, queryset) -> None:
        count = set_gifts_active(gift_ids=queryset.values_list("pk", flat=True), active=True)
        self.message_user(request, ngettext("%d gift activated.", "%d gifts activated.", count) % count)

    @admin.action(description=_("Deactivate selected gifts"), permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        count = set_gifts_active(gift_ids=queryset.values_list("pk", flat=True), active=False)
        self.message_user(request, ngettext("%d gift deactivated.", "%d gifts deactivated.", count) % count)


class PartnerApiKeyInline(SecretFieldsAdminMixin, admin.TabularInline):
    model = PartnerApiKey
    fields = ("name", "prefix", "can_write", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """API clients: the callers of our /external/gift/ API (the sites we push to are PartnerSiteAdmin)."""

    list_display = ("name", "active_keys", "gift_count", "created_at")
    search_fields = ("name",)
    inlines = [PartnerApiKeyInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_active_keys=Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True), distinct=True),
                n_gifts=Count("gifts", distinct=True),
            )
        )

    @admin.display(description=_("active keys"), ordering="n_active_keys")
    def active_keys(self, partner: Partner) -> int:
        return partner.n_active_keys

    @admin.display(description=_("gifts"), ordering="n_gifts")
    def gift_count(self, partner: Partner) -> int:
        return partner.n_gifts


class KeyStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("revoked", _("revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    """API client keys. The key itself is shown once, in a message after creation; its hash never is."""

    list_display = ("partner", "name", "masked_key", "can_write", "status", "created_at", "last_used_at")
    list_filter = (KeyStatusFilter, "can_write", "partner")
    search_fields = ("partner__name", "name", "prefix")
    list_select_related = ("partner",)
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("partner", "name", "can_write")
        return ("partner", "name", "can_write", "masked_key", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("partner", "masked_key", "created_at", "last_used_at", "revoked_at")

    @admin.display(description=_("key"))
    def masked_key(self, api_key: PartnerApiKey) -> str:
        return masked_key(prefix=api_key.prefix) if api_key.prefix else "—"

    @admin.display(description=_("status"), boolean=True)
    def status(self, api_key: PartnerApiKey) -> bool:
        return api_key.is_active

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        plain_key = issue_api_key(api_key=obj)
        messages.warning(
            request,
            format_html(
                "{} <code style='user-select:all'>{}</code> {}",
                _("New API key for %(partner)s:") % {"partner": obj.partner},
                plain_key,
                _("Copy it now: it is not stored and will not be shown again."),
            ),
        )

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        count = revoke_api_keys(key_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, ngettext("%d key revoked.", "%d keys revoked.", count) % count)
