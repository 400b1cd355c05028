"""Readable names for raw values stored as the supplier wrote them (Tribute's product status): the column
keeps the raw value, the admin shows it in the staff's language."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import admin
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# The Tribute spec names only "approved"; any other value is shown as Tribute sent it.
TRIBUTE_STATUS_LABELS: Mapping[str, Promise] = {
    "approved": pgettext_lazy("Tribute product status", "approved")
}


def label(labels: Mapping[str, Promise], value: str) -> str:
    return str(labels.get(value, value)) if value else "—"


def labelled_filter(field: str, labels: Mapping[str, Promise]) -> type[admin.SimpleListFilter]:
    """A list filter on a raw text column whose choices read in the admin's language."""

    class LabelledFilter(admin.SimpleListFilter):
        parameter_name = field

        def __init__(self, request, params, model, model_admin):
            self.title = model._meta.get_field(field).verbose_name
            super().__init__(request, params, model, model_admin)

        def lookups(self, request, model_admin):
            values = (
                model_admin.get_queryset(request).order_by(field).values_list(field, flat=True).distinct()
            )
            return [(value, label(labels, value)) for value in values if value]

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    return LabelledFilter
