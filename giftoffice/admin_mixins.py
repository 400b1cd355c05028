"""Admin building blocks shared by the apps."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from giftoffice.crypto import secret_field_names

MASK = "••••••••"
MASKED_SUFFIX = "_masked"


class ReadOnlyAdminMixin:
    """For records only the system writes (runs, price history, simulator state): look, never edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SecretFormField(forms.CharField):
    """A secret typed in, never rendered back; an empty input means "keep the stored value"."""

    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def has_changed(self, initial: Any, data: Any) -> bool:
        # Only a new value is a change: the history never claims a replacement that did not happen.
        return bool(data)


def masked_name(name: str) -> str:
    return f"{name}{MASKED_SUFFIX}"


def _masked_display(field: models.Field) -> Callable[[models.Model], str]:
    @admin.display(description=field.verbose_name)
    def display(obj: models.Model) -> str:
        return MASK if field.value_from_object(obj) not in (None, "") else "—"

    return display


class SecretFieldsAdminMixin:
    """No page of this admin shows the model's secrets (giftoffice.crypto.secret_field_names) in clear.

    Django renders a read-only field from its value: for a user with only the view permission every
    field, the secrets included. Here a secret shown read-only becomes a mask (`<name>_masked`), a list
    column of it too; it is never searched or filtered on (a search would confirm a guessed value); an
    editable one is a password input that never renders the value, where an empty input keeps the
    stored secret: replacing it is the only operation.
    """

    model: type[models.Model]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secret_fields = {
            name: self.model._meta.get_field(name) for name in secret_field_names(self.model)
        }
        for name, field in self.secret_fields.items():
            setattr(self, masked_name(name), _masked_display(field))

    # --- change page -------------------------------------------------------------------------------------
    def _all_read_only(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def _mask_names(self, names: Iterable[Any], masked: set[str]) -> list[Any]:
        return [masked_name(name) if isinstance(name, str) and name in masked else name for name in names]

    def _masked_here(self, request: HttpRequest, obj: Any) -> set[str]:
        """The secrets this page shows read-only (so masked); the others are editable password inputs."""
        if self._all_read_only(request, obj):
            return set(self.secret_fields)
        return set(self.secret_fields) & set(super().get_readonly_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[Any]:
        readonly = self._mask_names(super().get_readonly_fields(request, obj), set(self.secret_fields))
        if self._all_read_only(request, obj):
            readonly += [
                masked_name(name) for name in self.secret_fields if masked_name(name) not in readonly
            ]
        return readonly

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[Any, dict[str, Any]]]:
        masked = self._masked_here(request, obj)
        seen: set[Any] = set()
        fieldsets = []
        for title, options in super().get_fieldsets(request, obj):
            lines = []
            for line in options.get("fields", ()):
                grouped = isinstance(line, list | tuple)
                names = []
                # Django's default field list is the form's fields then the read-only ones: a secret and
                # its mask would both be listed.
                for name in self._mask_names(line if grouped else [line], masked):
                    if name not in seen:
                        seen.add(name)
                        names.append(name)
                if names:
                    lines.append(tuple(names) if grouped else names[0])
            fieldsets.append((title, {**options, "fields": lines}))
        return fieldsets

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.secret_fields:
            return SecretFormField(
                label=capfirst(db_field.verbose_name),
                help_text=_("Never shown. Leave empty to keep the current value."),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            for name in self.secret_fields:
                if name in form.fields and not form.cleaned_data.get(name):
                    setattr(obj, name, form.initial.get(name, ""))  # empty input: keep the stored one
        super().save_model(request, obj, form, change)

    # --- change list ---------------------------------------------------------------------------------------
    def get_list_display(self, request: HttpRequest) -> Sequence[Any]:
        return self._mask_names(super().get_list_display(request), set(self.secret_fields))

    def get_list_display_links(self, request: HttpRequest, list_display: Sequence[Any]) -> Any:
        links = super().get_list_display_links(request, list_display)
        return None if links is None else self._mask_names(links, set(self.secret_fields))

    def get_search_fields(self, request: HttpRequest) -> Sequence[str]:
        return [
            term
            for term in super().get_search_fields(request)
            if term.lstrip("^=@").split("__")[0] not in self.secret_fields
        ]

    def get_list_filter(self, request: HttpRequest) -> Sequence[Any]:
        return [
            item
            for item in super().get_list_filter(request)
            if (item[0] if isinstance(item, list | tuple) else item) not in self.secret_fields
        ]
