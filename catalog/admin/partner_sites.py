"""Admin for partner sites, pushes and publications, and the Gift admin's "Push to partner site…" action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from catalog.models import GiftPublication, PartnerSite, PullRun, PushRun
from catalog.publishing import plan as push_plan
from catalog.publishing import requests as push_requests
from catalog.publishing.errors import PushError
from catalog.publishing.runs import runs_in_background
from catalog.services import partner_sites as site_service
from catalog.services.gift_rules import split_by_rules
from giftoffice.admin_mixins import SecretFieldsAdminMixin, SecretFormField
from giftoffice.integrations.base import IntegrationError
from giftoffice.runs.admin import RunAdminMixin

PUSH_PERMISSION = "catalog.push_gifts"
PLAN_ROWS_SHOWN = 200
PLAN_TEMPLATE = "admin/catalog/includes/push_plan.html"


def plan_context(report: dict[str, Any]) -> dict[str, Any]:
    """What the plan include needs: the confirmation page and the run page render the same report."""
    return {"report": report, "rows_shown": PLAN_ROWS_SHOWN, "rows_slice": f":{PLAN_ROWS_SHOWN}"}


# --- partner sites ------------------------------------------------------------------------------------
class PartnerSiteForm(forms.ModelForm):
    base_url = forms.URLField(
        label=capfirst(_("base URL")),
        max_length=500,
        assume_scheme="https",
        help_text=_("The site's {domain}: requests go to this URL followed by /external/gift/."),
    )
    auth_secret = SecretFormField(
        label=capfirst(_("auth header value")),
        max_length=500,
        help_text=_("Never shown. Leave empty to keep the current value."),
    )
    languages = forms.MultipleChoiceField(
        label=capfirst(_("languages")),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these languages' fields are sent. The default language is required."),
    )

    class Meta:
        model = PartnerSite
        fields = [
            "name",
            "base_url",
            "auth_header",
            "auth_secret",
            "timeout_seconds",
            "batch_size",
            "enabled",
            "languages",
        ]

    def clean_auth_secret(self) -> str:
        value = self.cleaned_data.get("auth_secret") or ""
        if not value and self.instance.pk:
            return self.instance.auth_secret  # empty means "keep"
        return value

    def clean_languages(self) -> list[str]:
        chosen = set(self.cleaned_data.get("languages") or [])
        return [code for code in settings.LANGUAGE_CODES if code in chosen]


@admin.register(PartnerSite)
class PartnerSiteAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    """Partner sites we push to (the callers of our own API are API clients, PartnerAdmin)."""

    form = PartnerSiteForm
    change_form_template = "admin/catalog/partnersite/change_form.html"
    list_display = ["name", "base_url", "enabled", "secret_status", "languages_display", "batch_size"]
    list_filter = ["enabled"]
    search_fields = ["name", "base_url"]
    actions = ["test_connection_action", "pull_gifts_action"]

    @admin.display(description=_("auth secret"))
    def secret_status(self, obj: PartnerSite) -> str:
        return f"•••• ({obj.auth_header})" if obj.auth_secret else "—"

    @admin.display(description=_("languages"))
    def languages_display(self, obj: PartnerSite) -> str:
        return ", ".join(obj.site_languages)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/test-connection/",
                self.admin_site.admin_view(self.test_connection_view),
                name="{}_{}_test_connection".format(*info),
            ),
            *super().get_urls(),
        ]

    def test_connection_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST only (the button on the change form): GET the site's list and report the count."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        site = self.get_object(request, object_id)
        if site is None or not self.has_change_permission(request, site):
            raise PermissionDenied
        self._report_connection(request, site)
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:catalog_partnersite_change", args=[site.pk])
        )

    @admin.action(description=_("Test connection"), permissions=["change"])
    def test_connection_action(self, request: HttpRequest, queryset: QuerySet[PartnerSite]) -> None:
        for site in queryset:
            self._report_connection(request, site)

    def has_import_gifts_permission(self, request: HttpRequest) -> bool:
        """Pulling writes gifts into our catalog: it needs the right to add and change gifts."""
        return request.user.has_perms(["catalog.add_gift", "catalog.change_gift"])

    @admin.action(
        description=_("Import the site's gifts into our catalog (pull)"), permissions=["import_gifts"]
    )
    def pull_gifts_action(self, request: HttpRequest, queryset: QuerySet[PartnerSite]) -> HttpResponse | None:
        runs = []
        for site in queryset:
            try:
                runs.append(push_requests.request_pull(site=site, user=request.user))
            except PushError as exc:
                self.message_user(request, exc.localized(), messages.ERROR)
        for run in runs:
            url = reverse(f"{self.admin_site.name}:catalog_pullrun_change", args=[run.pk])
            self.message_user(
                request,
                format_html(_('Pull from {} queued: <a href="{}">run #{}</a>.'), run.site, url, run.pk),
                messages.SUCCESS,
            )
        if len(runs) == 1:
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:catalog_pullrun_change", args=[runs[0].pk])
            )
        return None

    def _report_connection(self, request: HttpRequest, site: PartnerSite) -> None:
        try:
            count = site_service.check_connection(site=site)
        except IntegrationError as exc:
            self.message_user(
                request,
                _("%(site)s: connection failed: %(error)s") % {"site": site, "error": exc},
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            ngettext(
                "%(site)s: connected, the site holds %(count)d gift.",
                "%(site)s: connected, the site holds %(count)d gifts.",
                count,
            )
            % {"site": site, "count": count},
        )


# --- runs ---------------------------------------------------------------------------------------------
def can_push_gifts(request: HttpRequest) -> bool:
    return request.user.has_perm(PUSH_PERMISSION)


class SiteRunAdmin(RunAdminMixin, admin.ModelAdmin):
    """Read-only history of pushes or pulls: the shared run page (refreshes itself while it runs)."""

    list_display = [
        "id",
        "site",
        "status_display",
        "dry_run",
        "created",
        "updated",
        "skipped",
        "failed",
        "triggered_by",
        "trigger",
        "created_at",
    ]
    list_filter = ["status", "dry_run", "site", "trigger"]
    date_hierarchy = "created_at"
    error_columns = [("gift", _("gift")), ("remote_id", _("remote id")), ("error", _("error"))]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may push may follow the runs they start.
        return super().has_view_permission(request, obj) or can_push_gifts(request)

    @admin.display(description=_("summary"))
    def summary_display(self, obj: PushRun | PullRun) -> str:
        return obj.localized_summary()


@admin.register(PushRun)
class PushRunAdmin(SiteRunAdmin):
    fields = ["summary_display", "site", *RunAdminMixin.lifecycle_fields, "report_display"]
    readonly_fields = fields

    @admin.display(description=_("plan"))
    def report_display(self, obj: PushRun) -> str:
        if not obj.report:
            return "—"
        return render_to_string(PLAN_TEMPLATE, plan_context(obj.report))


@admin.register(PullRun)
class PullRunAdmin(SiteRunAdmin):
    fields = ["summary_display", "site", *RunAdminMixin.lifecycle_fields]
    readonly_fields = fields


# --- publications -------------------------------------------------------------------------------------
class HasErrorFilter(admin.SimpleListFilter):
    title = _("last error")
    parameter_name = "has_error"

    def lookups(self, request, model_admin):
        return [("yes", _("with an error")), ("no", _("without"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(last_error="")
        if self.value() == "no":
            return queryset.filter(last_error="")
        return queryset


@admin.register(GiftPublication)
class GiftPublicationAdmin(admin.ModelAdmin):
    """Where each gift is published. Deleting a row makes the next push create the gift again there."""

    list_display = ["gift", "site", "remote_id", "last_pushed_at", "create_pending", "last_error"]
    list_filter = ["site", HasErrorFilter]
    search_fields = ["gift__name_ro", "gift__name_en", "=remote_id"]
    list_select_related = ["gift", "site"]
    readonly_fields = [
        "gift",
        "site",
        "remote_id",
        "last_pushed_at",
        "fingerprint",
        "pushed_payload",
        "create_sent_at",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    ]

    @admin.display(description=_("create outcome unknown"), boolean=True)
    def create_pending(self, obj: GiftPublication) -> bool:
        return obj.create_sent_at is not None and obj.remote_id is None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GiftPublicationInline(admin.TabularInline):
    """On the gift's change form: per site, whether and when it was published, and the last error."""

    model = GiftPublication
    fk_name = "gift"
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = _("partner site publication")
    verbose_name_plural = _("published on partner sites")
    fields = ["site", "published", "remote_id", "last_pushed_at", "last_error", "last_error_at"]
    readonly_fields = fields

    @admin.display(description=_("published"), boolean=True)
    def published(self, obj: GiftPublication) -> bool:
        return obj.is_published

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("site")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- the Gift admin action ----------------------------------------------------------------------------
def localized_problems(problems: dict[str, list[str]]) -> str:
    """gift_input's rule messages (English, as the API words them) in the admin's language."""
    return "; ".join(f"{field}: {gettext(text)}" for field, texts in problems.items() for text in texts)


class PushForm(forms.Form):
    site = forms.ModelChoiceField(
        label=_("Partner site"), queryset=PartnerSite.objects.filter(enabled=True), empty_label=None
    )


@admin.action(description=_("Push to partner site…"), permissions=["push_gifts"])
def push_to_partner_site(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> HttpResponse:
    """Intermediate page: choose the site, see the plan (create / update with diffs / unchanged), confirm."""
    if not can_push_gifts(request):  # the action list already hides it; refuse a forged POST all the same
        raise PermissionDenied
    form = PushForm(request.POST if "site" in request.POST else None)
    # A gift breaking a rule would be refused by the site: flagged on the plan, never sent.
    gifts, broken_gifts = split_by_rules(queryset.order_by("pk"))
    broken = [
        {"gift": b.gift_id, "label": b.label, "problems": localized_problems(b.problems)}
        for b in broken_gifts
    ]
    plan = None
    if form.is_bound and form.is_valid():
        site = form.cleaned_data["site"]
        if request.POST.get("confirm") == "yes" and gifts:
            try:
                run, queued = push_requests.request_push(
                    site=site, gift_ids=[gift.pk for gift in gifts], user=request.user
                )
            except PushError as exc:
                modeladmin.message_user(request, exc.localized(), messages.ERROR)
            else:
                level = messages.SUCCESS if run.status == "succeeded" or queued else messages.WARNING
                text = _("Push run #%(id)d queued.") % {"id": run.pk} if queued else run.localized_summary()
                modeladmin.message_user(request, text, level)
                return HttpResponseRedirect(
                    reverse(f"{modeladmin.admin_site.name}:catalog_pushrun_change", args=[run.pk])
                )
        plan = push_plan.plan_push(site=site, gifts=gifts)
    elif not form.is_bound:
        sites = list(PartnerSite.objects.filter(enabled=True)[:2])
        if len(sites) == 1:  # one site: go straight to its plan
            form = PushForm(initial={"site": sites[0]})
            plan = push_plan.plan_push(site=sites[0], gifts=gifts)
    request.current_app = modeladmin.admin_site.name
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Push to partner site"),
        "opts": modeladmin.opts,
        "form": form,
        "plan": plan,
        **(plan_context(plan.as_report()) if plan else {}),
        "gift_count": len(gifts) + len(broken),
        "broken": broken,
        "queued": runs_in_background(gift_count=len(gifts)),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_name": "push_to_partner_site",
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/catalog/push_to_partner_site.html", context)
