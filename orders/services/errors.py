"""Refusals shown to staff in the admin and printed by commands: one text, two faces.

`str(exc)` is English (commands, logs, task results, like every run record); `exc.localized()` is the
same sentence in the active language, for the admin. Messages are `gettext_lazy` templates with named
placeholders, so translators can move them.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

__all__ = ["Refusal"]


class Refusal(Exception):
    def __init__(self, template: Any, /, **params: Any) -> None:
        self.template = template
        self.params = params
        with translation.override("en"):
            english = self.localized()
        super().__init__(english)

    def localized(self) -> str:
        text = str(self.template)
        if not self.params:
            return text
        return text % {key: str(value) for key, value in self.params.items()}
