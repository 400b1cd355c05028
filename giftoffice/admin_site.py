"""The staff admin site: Django's, with the index split into sections that say who is who.

The catalog app holds three different worlds (our gifts and the API clients that call our API, the
partner sites we push to, the supplier catalogs we mirror); one "Catalog" box listing them side by side
left staff guessing which "partner" was which. An app declares its sections with `add_sections`; a
model no section names stays in a box under the app's own name. An app's own page
(/admin/<app_label>/) is left as Django builds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# "View site" in the admin header: the partner API's docs are the one public page this project serves.
SITE_URL = "/external/docs/"


@dataclass(frozen=True)
class AdminSection:
    title: str | Promise
    models: tuple[type[Model], ...]


class GiftofficeAdminSite(admin.AdminSite):
    site_header = _("giftoffice back-office")
    site_title = _("giftoffice")
    site_url = SITE_URL

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sections: dict[str, list[AdminSection]] = {}

    def add_sections(self, app_label: str, sections: Sequence[AdminSection]) -> None:
        """Show the app's models on the index in these boxes, in this order."""
        self._sections[app_label] = list(sections)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        split: list[dict[str, Any]] = []
        for app in app_list:
            split.extend(self._split(app))
        return split

    def _split(self, app: dict[str, Any]) -> list[dict[str, Any]]:
        sections = self._sections.get(app["app_label"])
        if not sections:
            return [app]
        by_model = {entry["model"]: entry for entry in app["models"]}
        boxes = []
        for section in sections:
            entries = [by_model.pop(model) for model in section.models if model in by_model]
            if entries:  # a user who may see none of a section's models does not see the box
                boxes.append({**app, "name": section.title, "models": entries})
        if by_model:
            boxes.append({**app, "models": list(by_model.values())})
        return boxes


class GiftofficeAdminConfig(AdminConfig):
    default_site = "giftoffice.admin_site.GiftofficeAdminSite"
